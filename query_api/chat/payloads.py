"""The message and person shapes of CONTRACT §5.4, shared by responses and pushed frames."""
from __future__ import annotations

from typing import Any

from domain.chat.receipt import message_status, participant_status


def person(user_id: str, row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    return {"id": str(user_id), "first_name": row.get("first_name") or "",
            "last_name": row.get("last_name") or "", "avatar_url": row.get("avatar_url")}


def message_payload(message: dict[str, Any], sender: dict[str, Any],
                    cursors: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """`message` has id, conversation_id, sender_id, type_message, content, created_at and
    (with `cursors`, user → (delivered, read) keys) sort_key, for the per-recipient `receipts`.
    A pushed `message` frame is a new message (`sent`); later changes come as `status` frames."""
    body = {"id": str(message["id"]), "conversation_id": str(message["conversation_id"]),
            "sender": sender, "type_message": message["type_message"], "content": message["content"],
            "created_at": message["created_at"], "status": "sent"}
    if cursors is not None:
        key, sender_id = message["sort_key"], str(message["sender_id"])
        body["status"] = message_status(key, sender_id, cursors)
        body["receipts"] = [{"user_id": user, "status": participant_status(key, *keys)}
                            for user, keys in sorted(cursors.items()) if user != sender_id]
    return body
