"""Dashboard reads (CONTRACT §5.5), for admin and support."""
from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency

from domain.errors import ForbiddenError
from infra.runtime import Runtime
from query_api.dashboard.queries import dashboard


@get("/api/v1/dashboard")
async def show_dashboard(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    if not request.user.is_staff:
        raise ForbiddenError("Only admin and support may see the dashboard")
    return await dashboard(runtime.store)


router = [show_dashboard]
