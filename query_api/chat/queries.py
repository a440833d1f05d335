"""SQL over the chat read models (`projectors/chat/conversations_view.py`)."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import msgspec

from query_api.chat.payloads import message_payload, person
from query_api.pagination import PAGE_SQL, Page

Cursors = dict[str, tuple[str, str]]
_decode = msgspec.json.Decoder().decode
MESSAGE_SQL = ("SELECT m.id, m.conversation_id, m.sort_key, m.sender_id, m.type_message, m.content,"
               " m.created_at, p.first_name, p.last_name, p.avatar_url FROM chat_messages m"
               " LEFT JOIN chat_people p ON p.id = m.sender_id")
CONVERSATION_SQL = ("SELECT c.id, c.kind, c.name, c.creator_id, c.created_at, c.last_message_id,"
                    " me.unread_count FROM chat_members me"
                    " JOIN chat_conversations c ON c.id = me.conversation_id WHERE me.user_id = :u")


def _in(prefix: str, values: list[str]) -> tuple[str, dict[str, str]]:
    names = {f"{prefix}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{name}" for name in names) or "NULL", names


async def membership(store: Any, conversation_id: str, user_id: str) -> dict[str, Any] | None:
    return await store.fetch_one("SELECT unread_count, delivered_key, read_key FROM chat_members"
                                 " WHERE conversation_id = :c AND user_id = :u",
                                 {"c": conversation_id, "u": user_id})


async def members(store: Any, conversation_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    placeholders, params = _in("c", conversation_ids)
    rows = await store.fetch_all(
        "SELECT me.conversation_id, me.user_id, me.delivered_key, me.read_key, p.first_name,"
        " p.last_name, p.avatar_url FROM chat_members me LEFT JOIN chat_people p ON p.id = me.user_id"
        f" WHERE me.conversation_id IN ({placeholders}) ORDER BY me.conversation_id, me.user_id", params)
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        found[row["conversation_id"]].append(row)
    return found


def cursors_of(rows: list[dict[str, Any]]) -> Cursors:
    return {row["user_id"]: (row["delivered_key"], row["read_key"]) for row in rows}


def message_body(row: dict[str, Any], cursors: Cursors) -> dict[str, Any]:
    message = {**row, "content": _decode(row["content"])}
    return message_payload(message, person(row["sender_id"], row), cursors)


async def message_key(store: Any, conversation_id: str, message_id: str) -> str | None:
    row = await store.fetch_one("SELECT sort_key FROM chat_messages WHERE id = :m AND conversation_id = :c",
                                {"m": message_id, "c": conversation_id})
    return row["sort_key"] if row else None


async def history(store: Any, conversation_id: str, before_key: str | None,
                  limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Up to `limit` messages before the key, oldest first, and whether older ones exist."""
    where = " WHERE m.conversation_id = :c" + (" AND m.sort_key < :before" if before_key else "")
    rows = await store.fetch_all(f"{MESSAGE_SQL}{where} ORDER BY m.sort_key DESC LIMIT :n",
                                 {"c": conversation_id, "before": before_key, "n": limit + 1})
    return rows[:limit][::-1], len(rows) > limit


async def messages_by_id(store: Any, message_ids: list[str]) -> dict[str, dict[str, Any]]:
    placeholders, params = _in("m", message_ids)
    rows = await store.fetch_all(f"{MESSAGE_SQL} WHERE m.id IN ({placeholders})", params)
    return {row["id"]: row for row in rows}


async def attachment_keys(store: Any, attachment_ids: list[str]) -> dict[tuple[str, str], str]:
    """Storage keys by (conversation, attachment id)."""
    placeholders, params = _in("a", attachment_ids)
    rows = await store.fetch_all("SELECT id, conversation_id, storage_key FROM chat_attachments"
                                 f" WHERE id IN ({placeholders})", params)
    return {(row["conversation_id"], row["id"]): row["storage_key"] for row in rows}


async def count_conversations(store: Any, user_id: str) -> int:
    row = await store.fetch_one("SELECT count(*) AS n FROM chat_members WHERE user_id = :u", {"u": user_id})
    return int(row["n"] if row else 0)


async def conversations_page(store: Any, user_id: str, page: Page) -> list[dict[str, Any]]:
    """The user's conversations, latest activity first."""
    return await store.fetch_all(f"{CONVERSATION_SQL} ORDER BY c.last_key DESC, c.id {PAGE_SQL}",
                                 {"u": user_id, **page.params})


async def conversation_of(store: Any, user_id: str, conversation_id: str) -> list[dict[str, Any]]:
    """The conversation's row if the user takes part in it (else no row)."""
    return await store.fetch_all(f"{CONVERSATION_SQL} AND me.conversation_id = :c",
                                 {"u": user_id, "c": conversation_id})


async def conversation_bodies(store: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    everyone = await members(store, [row["id"] for row in rows])
    last = await messages_by_id(store, [row["last_message_id"] for row in rows if row["last_message_id"]])
    bodies = []
    for row in rows:
        people, message = everyone.get(row["id"], []), last.get(row["last_message_id"] or "")
        bodies.append({
            "id": row["id"], "kind": row["kind"], "name": row["name"], "created_by": row["creator_id"],
            "created_at": row["created_at"], "unread_count": int(row["unread_count"]),
            "participants": [person(p["user_id"], p) for p in people],
            "last_message": message_body(message, cursors_of(people)) if message else None})
    return bodies
