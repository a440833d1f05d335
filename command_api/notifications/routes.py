"""Notification commands over HTTP (CONTRACT §5.3): send (admin), mark as read, hide."""
from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar import Request, delete, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from command_api.notifications.schemas import CreateNotification
from domain.errors import ForbiddenError
from domain.notifications.application import NotificationsApplication
from domain.notifications.errors import NotificationNotFoundError
from infra.envelope import format_timestamp
from infra.runtime import Runtime
from query_api.notifications.queries import visible_notification

NOTIFICATIONS = "/api/v1/notifications"


@post(NOTIFICATIONS, status_code=HTTP_201_CREATED)
async def create_notification(data: JSONBody[CreateNotification], request: Request,
                              runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    if not request.user.is_admin:
        raise ForbiddenError("Only an admin may send notifications")
    app = runtime.app(NotificationsApplication)
    sent, position = await runtime.execute(app.create_notification, data.title, data.message,
                                           data.obj_code, data.obj_id, actor=request.user.id)
    return {"id": str(sent.id), "title": sent.title, "message": sent.message,
            "obj_code": sent.obj_code, "obj_id": str(sent.obj_id) if sent.obj_id else None,
            "created_at": format_timestamp(sent.created_on), "read": False, "position": position}


@patch(f"{NOTIFICATIONS}/{{notification_id:uuid}}/mark-as-read", status_code=HTTP_200_OK)
async def mark_as_read(notification_id: FromPath[UUID], request: Request,
                       runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """The notification as the caller now sees it (`read: true`)."""
    await visible_or_404(runtime, request, notification_id)
    app = runtime.app(NotificationsApplication)
    inbox, position = await runtime.execute(app.mark_read, request.user.id, notification_id,
                                            actor=request.user.id)
    position = await runtime.answered_position(position, inbox.id)
    await runtime.wait_for_projections(position)
    return {**await visible_or_404(runtime, request, notification_id), "position": position}


@delete(f"{NOTIFICATIONS}/{{notification_id:uuid}}", status_code=HTTP_204_NO_CONTENT)
async def hide_notification(notification_id: FromPath[UUID], request: Request,
                            runtime: NamedDependency[Runtime]) -> None:
    """Hides it from the caller's feed only; answers once the feed no longer shows it."""
    await visible_or_404(runtime, request, notification_id)
    app = runtime.app(NotificationsApplication)
    _, position = await runtime.execute(app.hide, request.user.id, notification_id,
                                        actor=request.user.id)
    await runtime.wait_for_projections(position)


async def visible_or_404(runtime: Runtime, request: Request,
                         notification_id: UUID) -> dict[str, Any]:
    """Only notifications the caller receives (and has not hidden) can be marked; before a 404,
    the read model catches up with every event stored so far (bounded like X-Min-Position)."""
    found = await visible_notification(runtime.store, request.user.id, notification_id)
    if found is None:
        head = await asyncio.to_thread(runtime.recorder.max_notification_id)
        await runtime.wait_for_projections(head or 0)
        found = await visible_notification(runtime.store, request.user.id, notification_id)
    if found is None:
        raise NotificationNotFoundError()
    return found


# Plain handlers, not a Router: the query side serves GET on the same paths.
router = [create_notification, mark_as_read, hide_notification]
