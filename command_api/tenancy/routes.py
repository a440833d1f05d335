"""Tenancy commands over HTTP (CONTRACT §3)."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, delete, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from command_api.tenancy.representation import member_body, project_body, tenant_body
from command_api.tenancy.schemas import AddTenantMember, CreateProject, CreateTenant
from command_api.tenancy.scope import tenant_reference
from domain.tenancy.application import TenancyApplication
from infra.runtime import Runtime

# Plain handlers, not Routers: the query side serves GET on the same paths, and two Routers
# with one path both bring an OPTIONS handler, which Litestar refuses to merge.
TENANTS, PROJECTS = "/api/v1/tenants", "/api/v1/projects"


@post(TENANTS, status_code=HTTP_201_CREATED)
async def create_tenant(data: JSONBody[CreateTenant], request: Request,
                        runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    tenancy = runtime.app(TenancyApplication)
    tenant, position = await runtime.execute(tenancy.create_tenant, data.name, data.slug,
                                             request.user.id, actor=request.user.id)
    await runtime.wait_for_projections(position)
    return {**tenant_body(tenant, request.user.id), "position": position}


@post(f"{TENANTS}/{{tenant_id:uuid}}/members", status_code=HTTP_201_CREATED)
async def add_tenant_member(tenant_id: FromPath[UUID], data: JSONBody[AddTenantMember],
                            request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """201 (CONTRACT §3) for a new member and for a member given another role alike: a client
    checking the contract's status must not take a role change for a failure."""
    tenancy = runtime.app(TenancyApplication)
    (tenant, _), position = await runtime.execute(
        tenancy.add_member, tenant_id, request.user.id, data.user_id, data.role,
        await _is_active_user(runtime, data.user_id), actor=request.user.id)
    await runtime.wait_for_projections(position)
    return {**member_body(tenant, data.user_id), "position": position}


@delete(f"{TENANTS}/{{tenant_id:uuid}}/members/{{user_id:uuid}}", status_code=HTTP_204_NO_CONTENT)
async def remove_tenant_member(tenant_id: FromPath[UUID], user_id: FromPath[UUID], request: Request,
                               runtime: NamedDependency[Runtime]) -> None:
    """Access ends before the answer: the removal waits for the memberships read model."""
    tenancy = runtime.app(TenancyApplication)
    _, position = await runtime.execute(tenancy.remove_member, tenant_id, request.user.id, user_id,
                                        actor=request.user.id)
    await runtime.wait_for_projections(position)


@post(PROJECTS, status_code=HTTP_201_CREATED)
async def create_project(data: JSONBody[CreateProject], request: Request,
                         runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    tenancy = runtime.app(TenancyApplication)
    project, position = await runtime.execute(
        tenancy.create_project, tenant_reference(request), request.user.id, data.name,
        data.description, actor=request.user.id)
    return {**project_body(project), "position": position}


async def _is_active_user(runtime: Runtime, user_id: UUID) -> bool:
    row = await runtime.store.fetch_one("SELECT is_active FROM users WHERE id = :id",
                                        {"id": str(user_id)})
    return bool(row and row["is_active"])


router = [create_tenant, add_tenant_member, remove_tenant_member, create_project]
