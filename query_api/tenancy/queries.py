"""SQL over the `tenants`, `memberships` and `projects` read models.

Every project query names the tenant and joins the caller's membership, so a row of another
tenant, or of a tenant the caller has left, is never returned.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from query_api.pagination import PAGE_SQL, Page

PROJECT_COLUMNS = "p.id, p.name, p.description, p.tenant_id, p.created_at"
MEMBER_OF_PROJECT_TENANT = ("JOIN memberships m ON m.tenant_id = p.tenant_id AND m.user_id = :user"
                            " WHERE p.tenant_id = :tenant")


async def membership_by_id(store: Any, tenant_id: UUID, user_id: UUID) -> dict[str, Any] | None:
    return await store.fetch_one(
        "SELECT tenant_id, role FROM memberships WHERE tenant_id = :tenant AND user_id = :user",
        {"tenant": str(tenant_id), "user": str(user_id)})


async def membership_by_slug(store: Any, slug: str, user_id: UUID) -> dict[str, Any] | None:
    return await store.fetch_one(
        "SELECT m.tenant_id, m.role FROM tenants t JOIN memberships m ON m.tenant_id = t.id"
        " WHERE t.slug = :slug AND m.user_id = :user", {"slug": slug, "user": str(user_id)})


async def tenants_of_user(store: Any, user_id: UUID, page: Page) -> list[dict[str, Any]]:
    return await store.fetch_all(
        "SELECT t.id, t.name, t.slug, m.role, t.created_at FROM memberships m"
        " JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = :user"
        f" ORDER BY m.joined_at, m.tenant_id {PAGE_SQL}", {"user": str(user_id), **page.params})


async def count_tenants_of_user(store: Any, user_id: UUID) -> int:
    row = await store.fetch_one("SELECT count(*) AS n FROM memberships WHERE user_id = :user",
                                {"user": str(user_id)})
    return int(row["n"]) if row else 0


async def projects_of_tenant(store: Any, tenant_id: str, user_id: UUID,
                             page: Page) -> list[dict[str, Any]]:
    return await store.fetch_all(
        f"SELECT {PROJECT_COLUMNS} FROM projects p {MEMBER_OF_PROJECT_TENANT}"
        f" ORDER BY p.created_at, p.id {PAGE_SQL}",
        {"tenant": tenant_id, "user": str(user_id), **page.params})


async def count_projects_of_tenant(store: Any, tenant_id: str, user_id: UUID) -> int:
    row = await store.fetch_one(f"SELECT count(*) AS n FROM projects p {MEMBER_OF_PROJECT_TENANT}",
                                {"tenant": tenant_id, "user": str(user_id)})
    return int(row["n"]) if row else 0


async def project_of_tenant(store: Any, project_id: UUID, tenant_id: str,
                            user_id: UUID) -> dict[str, Any] | None:
    return await store.fetch_one(
        f"SELECT {PROJECT_COLUMNS} FROM projects p {MEMBER_OF_PROJECT_TENANT} AND p.id = :id",
        {"id": str(project_id), "tenant": tenant_id, "user": str(user_id)})
