"""SQL over the messaging channel's read models."""

from __future__ import annotations

from typing import Any

MESSAGE_COLUMNS = (
    "id AS message_id, direction, peer, type, text, status, reason, created_at, updated_at"
)


async def session_status(store: Any) -> str:
    row = await store.fetch_one("SELECT status FROM channel_sessions WHERE provider = 'whatsapp'")
    return row["status"] if row else "disconnected"


async def message(store: Any, message_id: str) -> dict[str, Any] | None:
    return await store.fetch_one(
        f"SELECT {MESSAGE_COLUMNS} FROM channel_messages WHERE id = :id", {"id": message_id}
    )
