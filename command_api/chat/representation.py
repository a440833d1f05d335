"""Chat bodies of CONTRACT §5.4 for command answers."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.chat.conversation import Conversation
from domain.chat.message import ChatMessage
from infra.envelope import format_timestamp
from infra.web.auth import Principal
from query_api.chat import queries
from query_api.chat.payloads import message_payload, person


def sent_message_body(message: ChatMessage, sender: Principal, participants: frozenset[UUID]) -> dict[str, Any]:
    """A message just posted: nobody has received it yet."""
    created_at = format_timestamp(message.created_on)
    body = {"id": message.id, "conversation_id": message.conversation_id, "sender_id": sender.id,
            "type_message": message.type_message, "content": message.content, "created_at": created_at,
            "sort_key": f"{created_at}:{message.id}"}
    unseen = {str(user): ("", "") for user in participants}
    return message_payload(body, person(str(sender.id), {"first_name": sender.first_name,
                                                         "last_name": sender.last_name,
                                                         "avatar_url": sender.avatar_url}), unseen)


async def conversation_body(store: Any, conversation: Conversation, user_id: UUID) -> dict[str, Any]:
    """As the conversation list shows it; from the aggregate while the read model lags."""
    rows = await queries.conversation_of(store, str(user_id), str(conversation.id))
    if rows:
        return (await queries.conversation_bodies(store, rows))[0]
    people = await store.fetch_all(
        "SELECT id AS user_id, first_name, last_name, avatar_url FROM users WHERE id IN ("
        + ", ".join(f":p{i}" for i in range(len(conversation.participant_ids))) + ")",
        {f"p{i}": str(user) for i, user in enumerate(conversation.participant_ids)})
    return {"id": str(conversation.id), "kind": conversation.kind, "name": conversation.name,
            "created_by": str(conversation.creator_id), "created_at": format_timestamp(conversation.created_on),
            "unread_count": 0, "last_message": None,
            "participants": [person(row["user_id"], row) for row in sorted(people, key=lambda r: r["user_id"])]}
