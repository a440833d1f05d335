"""`/ws/echo/`: a socket that echoes text frames, for clients to test their connection."""
from __future__ import annotations

from typing import Any

from litestar import WebSocket, websocket

from infra.web.auth import Principal
from query_api.push.sockets import serve


async def _no_channels(runtime: Any, principal: Principal) -> list[str]:
    return []


async def _echo(runtime: Any, principal: Principal, frame: dict[str, Any], socket: WebSocket) -> None:
    await socket.send_json(frame)


@websocket(["/ws/echo"], opt={"public": True})
async def echo_socket(socket: WebSocket) -> None:
    await serve(socket, "echo", _no_channels, on_frame=_echo)


sockets = [echo_socket]
