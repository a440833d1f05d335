"""`/ws/presence/` (CONTRACT §6): any user; `presence` frames on every join and leave.

Opening the socket leases a connection for its user and closing it releases the lease;
the heartbeat of `PresenceTracker` renews leases and expires those of crashed processes.
"""
from __future__ import annotations

from typing import Any

from litestar import WebSocket, websocket

from infra.web.auth import Principal
from projectors.presence.presence_view import PRESENCE_CHANNEL
from query_api.presence.leases import PresenceTracker
from query_api.push.sockets import serve


async def on_startup(runtime: Any) -> None:
    await runtime.resource(PresenceTracker).start(runtime)


async def _channels(runtime: Any, principal: Principal) -> list[str]:
    return [PRESENCE_CHANNEL]


@websocket(["/ws/presence"], opt={"public": True})
async def presence_socket(socket: WebSocket) -> None:
    tracker = socket.app.state.runtime.resource(PresenceTracker)
    joined: list[tuple[str, Any]] = []

    async def join(runtime: Any, principal: Principal) -> list[dict[str, Any]]:
        joined.append((await tracker.join(principal.id), principal.id))
        return []

    try:
        await serve(socket, "presence", _channels, greeting=join)
    finally:
        for lease_id, user_id in joined:
            await tracker.leave(lease_id, user_id)


sockets = [presence_socket]
