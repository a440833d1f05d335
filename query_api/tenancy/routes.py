"""Tenancy reads (CONTRACT §3), from the tenants, memberships and projects read models."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from infra.runtime import Runtime
from infra.web.errors import ApiError
from query_api.tenancy import queries
from query_api.pagination import paginated, requested_page
from query_api.tenancy.scope import tenant_of_request

# Plain handlers, not Routers: see command_api/tenancy/routes.py.
TENANTS, PROJECTS = "/api/v1/tenants", "/api/v1/projects"


@get(TENANTS)
async def list_tenants(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """The caller's tenants, in the order it joined them, each with the caller's role."""
    page, user = requested_page(request), request.user.id
    rows = await queries.tenants_of_user(runtime.store, user, page)
    count = await queries.count_tenants_of_user(runtime.store, user)
    return paginated(request, page, count, rows)


@get(PROJECTS)
async def list_projects(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """The `X-Tenant` tenant's projects, oldest first."""
    tenant, page = await tenant_of_request(request, runtime), requested_page(request)
    user = request.user.id
    rows = await queries.projects_of_tenant(runtime.store, tenant, user, page)
    count = await queries.count_projects_of_tenant(runtime.store, tenant, user)
    return paginated(request, page, count, rows)


@get(f"{PROJECTS}/{{project_id:uuid}}")
async def show_project(project_id: FromPath[UUID], request: Request,
                       runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    tenant = await tenant_of_request(request, runtime)
    row = await queries.project_of_tenant(runtime.store, project_id, tenant, request.user.id)
    if row is None:
        raise ApiError(404, "NOT_FOUND", "Project not found")
    return row


router = [list_tenants, list_projects, show_project]
