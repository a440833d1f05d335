"""Moving participants' delivered/read cursors, and the `status` frames that tells senders.

A cursor is the sort key of the newest message a participant has received (delivered) or
read; it covers every earlier message of the conversation. Reading also counts as delivery.

Receipts are applied at the end of a projector batch, all of them after one round trip:
each receipt's three reads go out together with the other receipts' (and the batch's other
reads), instead of one round trip per receipt event. The projector thread spent a third of
its time waiting on those round trips at 200 messages/s, which held up every message frame
of the same batch.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from domain.chat.receipt import message_status, participant_status
from projectors.projection import Writer, values_of

STATUS_FRAMES_PER_RECEIPT = 100

Read = tuple[str, dict[str, Any]]
Rows = list[dict[str, Any]]


class Receipt(NamedTuple):
    """One receipt event: users' cursors to move to messages (user → message id)."""
    position: int
    conversation: str
    targets: dict[str, str]
    read: bool


def receipt_reads(receipts: list[Receipt]) -> list[Read]:
    """Three reads per receipt, in order: the messages' keys, the members' cursors, and the
    messages whose status may change (computed in SQL from the same two)."""
    return [read for receipt in receipts for read in _reads(receipt.conversation, receipt.targets,
                                                             receipt.read)]


def move_cursors(w: Writer, receipts: list[Receipt], found: list[Rows]) -> None:
    """Apply receipts in log order from the rows of `receipt_reads`, never moving a cursor
    backwards. A conversation's cursors are read once, before the batch's receipts moved
    them, so a later receipt of the same conversation goes on from the earlier one's."""
    cursors_of: dict[str, dict[str, tuple[str, str]]] = {}
    for i, receipt in enumerate(receipts):
        found_keys, found_cursors, between = found[3 * i: 3 * i + 3]
        if receipt.conversation not in cursors_of:
            cursors_of[receipt.conversation] = {
                row["user_id"]: (row["delivered_key"], row["read_key"]) for row in found_cursors}
        cursors = cursors_of[receipt.conversation]
        w.position = receipt.position
        _advance(w, receipt, {row["id"]: row["sort_key"] for row in found_keys}, cursors, between)


def _advance(w: Writer, receipt: Receipt, keys: dict[str, str], cursors: dict[str, tuple[str, str]],
             between: Rows) -> None:
    read, moved = receipt.read, {}
    for user, message in sorted(receipt.targets.items()):
        key, (delivered, was_read) = keys.get(message), cursors.get(user, ("", ""))
        if key is None or user not in cursors or key <= (was_read if read else delivered):
            continue
        moved[user] = (was_read if read else delivered, key)
        cursors[user] = (max(delivered, key), key) if read else (key, was_read)
    if moved:
        _save_cursors(w, receipt.conversation, {user: cursors[user] for user in moved}, read)
        _push_statuses(w, receipt.conversation, cursors, moved, between[::-1])


def _reads(conversation: str, targets: dict[str, str], read: bool) -> tuple[Read, Read, Read]:
    pairs = sorted(targets.items())
    params: dict[str, Any] = {"c": conversation, "n": STATUS_FRAMES_PER_RECEIPT}
    for i, (user, message) in enumerate(pairs):
        params[f"u{i}"], params[f"m{i}"] = user, message
    messages = ", ".join(f":m{i}" for i in range(len(pairs)))
    keys = (f"SELECT id, sort_key FROM chat_messages WHERE conversation_id = :c AND id IN ({messages})",
            params)
    cursors = ("SELECT user_id, delivered_key, read_key FROM chat_members WHERE conversation_id = :c",
               params)
    return keys, cursors, (_between_sql(len(pairs), "read_key" if read else "delivered_key"), params)


def _between_sql(count: int, cursor: str) -> str:
    """The newest messages in (low, high], newest first, where low is the oldest cursor that
    moves and high the newest key it moves to: what `_push_statuses` reports on. Older
    messages keep their status silently."""
    values = ", ".join(f"(:u{i}, :m{i})" for i in range(count))
    return (f"WITH targets (user_id, message_id) AS (VALUES {values}),"
            f" moved AS (SELECT cm.{cursor} AS old, m.sort_key AS new FROM targets t"
            "  JOIN chat_members cm ON cm.conversation_id = :c AND cm.user_id = t.user_id"
            "  JOIN chat_messages m ON m.conversation_id = :c AND m.id = t.message_id"
            f"  WHERE m.sort_key > cm.{cursor})"
            " SELECT id, sort_key, sender_id FROM chat_messages WHERE conversation_id = :c"
            " AND sort_key > (SELECT min(old) FROM moved) AND sort_key <= (SELECT max(new) FROM moved)"
            " ORDER BY sort_key DESC LIMIT :n")


def _save_cursors(w: Writer, conversation: str, saved: dict[str, tuple[str, str]], read: bool) -> None:
    """The moved cursors in one statement (a window's deliveries move most of a group at once)."""
    rows = [{"u": user, "d": delivered, "r": was_read}
            for user, (delivered, was_read) in sorted(saved.items())]
    values, params = values_of(("u", "d", "r"), rows)
    w.execute(f"WITH moved (user_id, delivered_key, read_key) AS (VALUES {values})"
              " UPDATE chat_members SET delivered_key = moved.delivered_key, read_key = moved.read_key"
              " FROM moved WHERE chat_members.conversation_id = :c"
              " AND chat_members.user_id = moved.user_id", {**params, "c": conversation})
    if read:
        for row in rows:
            w.execute("UPDATE chat_members SET unread_count = (SELECT count(*) FROM chat_messages m"
                      " WHERE m.conversation_id = :c AND m.sort_key > :read AND m.sender_id <> :u)"
                      " WHERE conversation_id = :c AND user_id = :u",
                      {"c": conversation, "u": row["u"], "read": row["r"]})


def _push_statuses(w: Writer, conversation: str, cursors: dict[str, tuple[str, str]],
                   moved: dict[str, tuple[str, str]], messages: list[dict[str, Any]]) -> None:
    """One frame per message whose status changed for someone, to that message's sender."""
    for message in messages:
        key, sender = message["sort_key"], message["sender_id"]
        changes = [{"user_id": user, "status": participant_status(key, *cursors[user])}
                   for user, (old, new) in sorted(moved.items()) if user != sender and old < key <= new]
        if changes:
            w.push(f"chat:{conversation}:{sender}", "status",
                   {"conversation_id": conversation, "message_id": message["id"],
                    "status": message_status(key, sender, cursors), "changes": changes})
