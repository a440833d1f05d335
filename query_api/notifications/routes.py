"""Notification reads (CONTRACT §5.3): the caller's feed."""
from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency

from infra.runtime import Runtime
from infra.web.errors import ApiError
from query_api.notifications.queries import feed
from query_api.pagination import paginated, requested_page

BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def unread_only(request: Request) -> bool:
    raw = (request.query_params.get("unread") or "false").lower()
    if raw not in BOOLEANS:
        raise ApiError(400, "INVALID_PAYLOAD", "Query parameter 'unread' must be true or false",
                       {"unread": ["must be true or false"]})
    return BOOLEANS[raw]


@get("/api/v1/notifications")
async def list_notifications(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """Platform notifications and the caller's own, newest first; hidden ones left out."""
    unread, page = unread_only(request), requested_page(request)
    count, rows = await feed(runtime.store, request.user.id, page, unread)
    return paginated(request, page, count, rows)


# Plain handlers, not a Router: the command side serves other methods on the same paths.
router = [list_notifications]
