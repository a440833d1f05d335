"""Chat reads (CONTRACT §5.4): the caller's conversations and a conversation's history."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from domain.chat.application import ChatApplication
from domain.chat.errors import ConversationNotFoundError
from infra.runtime import Runtime
from infra.s3 import open_object_storage
from infra.web.errors import ApiError
from query_api.chat import queries
from query_api.filters import capped
from query_api.pagination import paginated, requested_page

CHAT = "/api/v1/chat"
DEFAULT_LIMIT, MAX_LIMIT = 50, 100


@get(f"{CHAT}/conversations")
async def list_conversations(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    page, user = requested_page(request), str(request.user.id)
    rows = await queries.conversations_page(runtime.store, user, page)
    bodies = await queries.conversation_bodies(runtime.store, rows)
    await sign_attachments(runtime, [body["last_message"] for body in bodies if body["last_message"]])
    return paginated(request, page, await queries.count_conversations(runtime.store, user), bodies)


@get(f"{CHAT}/conversations/{{conversation_id:uuid}}")
async def conversation_detail(conversation_id: FromPath[UUID], request: Request,
                              runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    rows = await queries.conversation_of(runtime.store, str(request.user.id), str(conversation_id))
    if not rows:
        raise ConversationNotFoundError()
    body = (await queries.conversation_bodies(runtime.store, rows))[0]
    await sign_attachments(runtime, [body["last_message"]] if body["last_message"] else [])
    return body


@get(f"{CHAT}/conversations/{{conversation_id:uuid}}/messages")
async def list_messages(conversation_id: FromPath[UUID], request: Request,
                        runtime: NamedDependency[Runtime], before: FromQuery[str | None] = None,
                        limit: FromQuery[str | None] = None) -> dict[str, Any]:
    """A page of history, oldest first; reading it counts as delivery to the caller."""
    conversation, user = str(conversation_id), str(request.user.id)
    me = await queries.membership(runtime.store, conversation, user)
    if me is None:
        raise ConversationNotFoundError()
    before_key = await _before_key(runtime, conversation, before)
    limit_wanted = capped({"limit": limit}, "limit", MAX_LIMIT) or DEFAULT_LIMIT
    rows, older = await queries.history(runtime.store, conversation, before_key, limit_wanted)
    cursors = queries.cursors_of((await queries.members(runtime.store, [conversation]))[conversation])
    results = [queries.message_body(row, cursors) for row in rows]
    await sign_attachments(runtime, results)
    await _record_delivery(runtime, request.user.id, conversation_id, rows, me["delivered_key"])
    return {"results": results, "next_before": results[0]["id"] if older and results else None}


async def _record_delivery(runtime: Runtime, user_id: UUID, conversation_id: UUID,
                           rows: list[dict[str, Any]], delivered_key: str) -> None:
    newest = next((row for row in reversed(rows) if row["sender_id"] != str(user_id)), None)
    if newest is not None and newest["sort_key"] > delivered_key:
        chat = runtime.app(ChatApplication)
        await runtime.execute(chat.record_deliveries, {conversation_id: [(user_id, UUID(newest["id"]))]},
                              actor=user_id)


async def _before_key(runtime: Runtime, conversation: str, before: str | None) -> str | None:
    if not before:
        return None
    try:
        key = await queries.message_key(runtime.store, conversation, str(UUID(before)))
    except ValueError:
        key = None
    if key is None:
        raise ApiError(400, "INVALID_PAYLOAD", "Query parameter 'before' must name a message of this"
                       " conversation", {"before": ["unknown message"]})
    return key


async def sign_attachments(runtime: Runtime, messages: list[dict[str, Any]]) -> None:
    """Attachment URLs expire; give each message of an answer a fresh one."""
    wanted = [m for m in messages if m["content"].get("attachment_id")]
    if not wanted:
        return
    storage = runtime.resource(open_object_storage)
    keys = await queries.attachment_keys(runtime.store, sorted({m["content"]["attachment_id"] for m in wanted}))
    for message in wanted:
        key = keys.get((message["conversation_id"], message["content"]["attachment_id"]))
        if key is not None:
            message["content"]["url"] = storage.url(key)


router = [list_conversations, conversation_detail, list_messages]
