"""`/ws/whatsapp/` (CONTRACT §6): session_status, qrcode, message_status, message_received."""

from __future__ import annotations

from typing import Any

from litestar import WebSocket, websocket

from infra.web.auth import Principal
from projectors.channels.whatsapp_view import CHANNEL
from query_api.push.sockets import serve


async def _channels(runtime: Any, principal: Principal) -> list[str]:
    return [CHANNEL]


@websocket(["/ws/whatsapp"], opt={"public": True})
async def whatsapp_socket(socket: WebSocket) -> None:
    await serve(socket, "whatsapp", _channels, admit=lambda principal: principal.is_staff)


sockets = [whatsapp_socket]
