"""`/ws/chat/{conversation_id}/` (CONTRACT §6): participants only (else 4403).

Client frames: `{type_message, content}` posts a message through the same command as REST,
`{"type": "typing"}` tells the others (an ephemeral frame, no event), `{"type": "read",
"message_id"}` marks a read. Server frames: `message` and `typing` on `chat:<id>`, and
`status` for the caller's own messages on `chat:<id>:<user>`; every `message` frame that
reaches a socket counts as delivered to its user.
"""
from __future__ import annotations

import time
from typing import Any
from uuid import UUID

import msgspec
from litestar import WebSocket, websocket
from litestar.params import FromPath

from command_api.chat.routes import send
from command_api.chat.schemas import PostMessage
from domain.chat.application import ChatApplication
from infra.web.auth import Principal
from query_api.chat.delivery import DeliveryReceipts
from query_api.push.ephemeral import publish_ephemeral
from query_api.push.sockets import SocketError, serve


TYPING_INTERVAL = 1.0


class ChatSocket:
    def __init__(self, conversation_id: UUID) -> None:
        self.conversation_id = conversation_id
        self.channel = f"chat:{conversation_id}"
        self.typed_at = float("-inf")

    async def channels_for(self, runtime: Any, principal: Principal) -> list[str]:
        chat = runtime.app(ChatApplication)
        await runtime.execute(chat.authorize, self.conversation_id, principal.id)
        return [self.channel, f"{self.channel}:{principal.id}"]

    async def on_frame(self, runtime: Any, principal: Principal, frame: dict[str, Any],
                       socket: WebSocket) -> None:
        kind = frame.pop("type", None)
        if kind == "typing":
            await self.typing(runtime, principal)
        elif kind == "read":
            chat = runtime.app(ChatApplication)
            await runtime.execute(chat.mark_read, _message_id(frame), principal.id, self.conversation_id,
                                  actor=principal.id)
        elif kind in (None, "message"):
            message = msgspec.convert(frame, PostMessage)
            await send(runtime, principal, self.conversation_id, message.type_message, message.content)
        else:
            raise SocketError("INVALID_PAYLOAD", "Frame 'type' must be typing, read or message",
                              {"type": ["must be typing, read or message"]})

    async def typing(self, runtime: Any, principal: Principal) -> None:
        """Tell the others, at most once per `TYPING_INTERVAL` per socket (clients repeat it)."""
        if time.monotonic() - self.typed_at < TYPING_INTERVAL:
            return
        self.typed_at = time.monotonic()
        await publish_ephemeral(runtime, self.channel, "typing", {
            "conversation_id": str(self.conversation_id), "user_id": str(principal.id),
            "first_name": principal.first_name, "last_name": principal.last_name},
            sender=str(principal.id))

    def on_sent(self, runtime: Any, principal: Principal, frame: dict[str, Any]) -> None:
        if frame["type"] == "message" and frame["data"]["sender"]["id"] != str(principal.id):
            runtime.resource(DeliveryReceipts).note(runtime, self.conversation_id, principal.id,
                                                    UUID(frame["data"]["id"]))


def _message_id(frame: dict[str, Any]) -> UUID:
    try:
        return UUID(str(frame.get("message_id")))
    except ValueError:
        raise SocketError("INVALID_PAYLOAD", "Field 'message_id' must be a message id",
                          {"message_id": ["must be a message id"]}) from None


@websocket(["/ws/chat/{conversation_id:uuid}"], opt={"public": True})
async def chat_socket(socket: WebSocket, conversation_id: FromPath[UUID]) -> None:
    chat = ChatSocket(conversation_id)
    await serve(socket, "chat", chat.channels_for, on_frame=chat.on_frame, on_sent=chat.on_sent)


sockets = [chat_socket]
