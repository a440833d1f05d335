"""Chat commands over HTTP (CONTRACT §5.4), and the older chat API's two routes."""
from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from command_api.chat.representation import conversation_body, sent_message_body
from command_api.chat.schemas import PostMessage, SendLegacyMessage, StartConversation
from command_api.chat.sniff import content_type_of
from domain.chat.application import ChatApplication
from infra.runtime import Runtime
from infra.s3 import object_key, open_object_storage, safe_name
from infra.web.auth import Principal
from infra.web.uploads import UPLOAD_ROUTE, spooled_upload, upload_from

CHAT, LEGACY = "/api/v1/chat", "/api/message"


@post(f"{CHAT}/conversations")
async def start_conversation(data: JSONBody[StartConversation], request: Request,
                             runtime: NamedDependency[Runtime]) -> Response[dict[str, Any]]:
    return await start(runtime, request.user.id, data)


async def start(runtime: Runtime, caller: UUID, data: StartConversation) -> Response[dict[str, Any]]:
    """201 for a new conversation; 200 with the existing private one."""
    chat = runtime.app(ChatApplication)
    known = await _active_users(runtime, data.user_ids)
    (conversation, created), position = await runtime.execute(
        chat.start_conversation, caller, data.user_ids, (data.name or "").strip() or None, known,
        actor=caller)
    position = await runtime.answered_position(position, conversation.id)
    await runtime.wait_for_projections(position)
    body = await conversation_body(runtime.store, conversation, caller)
    return Response({**body, "position": position}, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


@post(f"{CHAT}/conversations/{{conversation_id:uuid}}/messages", status_code=HTTP_201_CREATED)
async def post_message(conversation_id: FromPath[UUID], data: JSONBody[PostMessage],
                       request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    return await send(runtime, request.user, conversation_id, data.type_message, data.content)


async def send(runtime: Runtime, sender: Principal, conversation_id: UUID, type_message: str,
               content: dict[str, Any]) -> dict[str, Any]:
    """Post a message as `sender`: the one path of REST, the legacy route and the chat socket."""
    chat = runtime.app(ChatApplication)
    (message, participants), position = await runtime.execute(
        chat.post_message, conversation_id, sender.id, type_message, content, actor=sender.id)
    return {**sent_message_body(message, sender, participants), "position": position}


@post(f"{CHAT}/conversations/{{conversation_id:uuid}}/attachments", status_code=HTTP_201_CREATED,
      opt=UPLOAD_ROUTE)
async def upload_attachment(conversation_id: FromPath[UUID], request: Request,
                            runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """A file for a message's `content.url`: size-bounded, its type sniffed from its bytes."""
    chat = runtime.app(ChatApplication)
    await runtime.execute(chat.authorize, conversation_id, request.user.id)
    upload = upload_from(await request.form())
    spool, size = await spooled_upload(upload, runtime.settings.upload_max_bytes)
    storage, key = runtime.resource(open_object_storage), object_key("chat", upload.filename)
    with spool:
        content_type = content_type_of(spool)
        await asyncio.to_thread(storage.put, key, spool, content_type)
    attachment, position = await runtime.execute(
        chat.upload_attachment, UUID(key.split("/")[1]), conversation_id, request.user.id, key,
        safe_name(upload.filename), content_type, size, actor=request.user.id)
    return {"id": str(attachment.id), "url": storage.url(key), "content_type": content_type,
            "size": size, "name": attachment.name, "position": position}


@post(f"{CHAT}/messages/{{message_id:uuid}}/read", status_code=HTTP_200_OK)
async def mark_read(message_id: FromPath[UUID], request: Request,
                    runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """The caller has read this message and every earlier one of its conversation."""
    chat = runtime.app(ChatApplication)
    reading, position = await runtime.execute(chat.mark_read, message_id, request.user.id,
                                              actor=request.user.id)
    return {"message_id": str(message_id), "conversation_id": str(reading.conversation_id),
            "status": "read", "position": position}


@post(f"{LEGACY}/rooms")
async def create_room(data: JSONBody[StartConversation], request: Request,
                      runtime: NamedDependency[Runtime]) -> Response[dict[str, Any]]:
    return await start(runtime, request.user.id, data)


@post(f"{LEGACY}/messages/send", status_code=HTTP_201_CREATED)
async def send_legacy_message(data: JSONBody[SendLegacyMessage], request: Request,
                              runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    return await send(runtime, request.user, data.room_id, data.type_message, data.content)


async def _active_users(runtime: Runtime, user_ids: list[UUID]) -> set[UUID]:
    params = {f"u{i}": str(user) for i, user in enumerate(user_ids)}
    rows = await runtime.store.fetch_all(
        f"SELECT id FROM users WHERE is_active = :yes AND id IN ({', '.join(':' + k for k in params)})",
        {"yes": True, **params})
    return {UUID(row["id"]) for row in rows}


router = [start_conversation, post_message, upload_attachment, mark_read, create_room, send_legacy_message]
