"""`/ws/notifications/`: new platform notifications, and the connected user's own.

Channels (other contexts push to them from their projections with `w.push(channel, type, data)`):

- `notifications:platform`: every connected user receives its frames;
- `notifications:user:<user id>`: only that user (e.g. jobs push a job-finished frame here).

Frames of type `notification` carry `{id, title, message, obj_code, obj_id, created_at, read}`.
"""
from __future__ import annotations

from typing import Any

from litestar import WebSocket, websocket

from infra.web.auth import Principal
from projectors.notifications.notifications_view import PLATFORM_CHANNEL, user_channel
from query_api.push.sockets import serve


async def channels_for(runtime: Any, principal: Principal) -> list[str]:
    return [PLATFORM_CHANNEL, user_channel(str(principal.id))]


@websocket(["/ws/notifications"], opt={"public": True})
async def notifications_socket(socket: WebSocket) -> None:
    await serve(socket, "notifications", channels_for)


sockets = [notifications_socket]
