"""`/ws/dashboard/` (admin and support; others are closed with 4403): `dashboard_data` on
connect, then a new snapshot after every projected batch that changed a count."""
from __future__ import annotations

from typing import Any

from litestar import WebSocket, websocket

from infra.web.auth import Principal
from projectors.dashboard.dashboard_view import CHANNEL
from query_api.dashboard.queries import dashboard
from query_api.push.sockets import serve


async def channels_for(runtime: Any, principal: Principal) -> list[str]:
    return [CHANNEL]


async def greeting(runtime: Any, principal: Principal) -> list[dict[str, Any]]:
    position = runtime.hub.released if runtime.hub is not None else 0
    return [{"type": "dashboard_data", "channel": CHANNEL, "position": position,
             "data": await dashboard(runtime.store)}]


@websocket(["/ws/dashboard"], opt={"public": True})
async def dashboard_socket(socket: WebSocket) -> None:
    await serve(socket, "dashboard", channels_for, greeting=greeting,
                admit=lambda principal: principal.is_staff)


sockets = [dashboard_socket]
