"""SQS bridge reads (CONTRACT §8), admin only: EventSync records and the objects synced in."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from domain.errors import ForbiddenError
from infra.runtime import Runtime
from query_api.pagination import paginated, requested_page
from query_api.sync.queries import event_syncs_page, synced_objects_page

API = "/api/v1/event-sync"


def require_admin(request: Request) -> None:
    if not request.user.is_admin:
        raise ForbiddenError("Only an admin may read the SQS bridge's records")


@get(API)
async def list_event_syncs(
    request: Request,
    runtime: NamedDependency[Runtime],
    direction: FromQuery[str | None] = None,
    obj_type: FromQuery[str | None] = None,
    event_id: FromQuery[str | None] = None,
) -> dict[str, Any]:
    """Newest first; `?direction=outbound|inbound&obj_type=&event_id=` narrow the list."""
    require_admin(request)
    page = requested_page(request)
    count, results = await event_syncs_page(
        runtime.store, page, direction=direction, obj_type=obj_type, event_id=event_id
    )
    return paginated(request, page, count, results)


@get(f"{API}/objects")
async def list_synced_objects(request: Request, runtime: NamedDependency[Runtime],
                              obj_type: FromQuery[str | None] = None,
                              obj_id: FromQuery[str | None] = None) -> dict[str, Any]:
    """Objects other services sent us, as last applied; `applied` counts the changes applied."""
    require_admin(request)
    page = requested_page(request)
    count, results = await synced_objects_page(
        runtime.store, page, obj_type=obj_type, obj_id=obj_id
    )
    return paginated(request, page, count, results)


router = [list_event_syncs, list_synced_objects]
