"""Moving participants' delivered/read cursors, and the `status` frames that tells senders.

A cursor is the sort key of the newest message a participant has received (delivered) or
read; it covers every earlier message of the conversation. Reading also counts as delivery.
"""
from __future__ import annotations

from typing import Any

from domain.chat.receipt import message_status, participant_status
from projectors.projection import Writer

STATUS_FRAMES_PER_RECEIPT = 100


def advance_cursors(w: Writer, conversation: str, targets: dict[str, str], read: bool) -> None:
    """Move each user's cursor to its message (user → message id), never backwards."""
    keys = _message_keys(w, conversation, set(targets.values()))
    cursors = {row["user_id"]: (row["delivered_key"], row["read_key"]) for row in w.fetch_all(
        "SELECT user_id, delivered_key, read_key FROM chat_members WHERE conversation_id = :c",
        {"c": conversation})}
    moved: dict[str, tuple[str, str]] = {}
    for user, message in sorted(targets.items()):
        key, (delivered, was_read) = keys.get(message), cursors.get(user, ("", ""))
        if key is None or user not in cursors or key <= (was_read if read else delivered):
            continue
        moved[user] = (was_read if read else delivered, key)
        cursors[user] = (max(delivered, key), key) if read else (key, was_read)
        _save_cursor(w, conversation, user, cursors[user], read)
    if moved:
        _push_statuses(w, conversation, cursors, moved)


def _message_keys(w: Writer, conversation: str, message_ids: set[str]) -> dict[str, str]:
    names = {f"m{i}": message for i, message in enumerate(sorted(message_ids))}
    rows = w.fetch_all(f"SELECT id, sort_key FROM chat_messages WHERE conversation_id = :c"
                       f" AND id IN ({', '.join(':' + name for name in names)})", {"c": conversation, **names})
    return {row["id"]: row["sort_key"] for row in rows}


def _save_cursor(w: Writer, conversation: str, user: str, keys: tuple[str, str], read: bool) -> None:
    params = {"c": conversation, "u": user, "delivered": keys[0], "read": keys[1]}
    w.execute("UPDATE chat_members SET delivered_key = :delivered, read_key = :read"
              " WHERE conversation_id = :c AND user_id = :u", params)
    if read:
        w.execute("UPDATE chat_members SET unread_count = (SELECT count(*) FROM chat_messages m"
                  " WHERE m.conversation_id = :c AND m.sort_key > :read AND m.sender_id <> :u)"
                  " WHERE conversation_id = :c AND user_id = :u", params)


def _push_statuses(w: Writer, conversation: str, cursors: dict[str, tuple[str, str]],
                   moved: dict[str, tuple[str, str]]) -> None:
    """One frame per message whose status changed for someone, to that message's sender."""
    low, high = min(old for old, _ in moved.values()), max(new for _, new in moved.values())
    for message in _messages_between(w, conversation, low, high):
        key, sender = message["sort_key"], message["sender_id"]
        changes = [{"user_id": user, "status": participant_status(key, *cursors[user])}
                   for user, (old, new) in sorted(moved.items()) if user != sender and old < key <= new]
        if changes:
            w.push(f"chat:{conversation}:{sender}", "status",
                   {"conversation_id": conversation, "message_id": message["id"],
                    "status": message_status(key, sender, cursors), "changes": changes})


def _messages_between(w: Writer, conversation: str, low: str, high: str) -> list[dict[str, Any]]:
    """The newest messages in (low, high], oldest first; older ones keep their status silently."""
    rows = w.fetch_all("SELECT id, sort_key, sender_id FROM chat_messages WHERE conversation_id = :c"
                       " AND sort_key > :low AND sort_key <= :high ORDER BY sort_key DESC LIMIT :n",
                       {"c": conversation, "low": low, "high": high, "n": STATUS_FRAMES_PER_RECEIPT})
    return rows[::-1]
