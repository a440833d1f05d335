"""`X-Tenant` on the query side: the caller's tenant, from the memberships read model.

Other contexts' tenant-scoped reads call `tenant_of_request` and filter by the id it returns.
"""
from __future__ import annotations

from uuid import UUID

from litestar import Request

from infra.runtime import Runtime
from infra.web.errors import ApiError
from query_api.tenancy.queries import membership_by_id, membership_by_slug


async def tenant_of_request(request: Request, runtime: Runtime) -> str:
    """The id of the tenant `X-Tenant` names (id or slug): 400 if missing, 403 if not a member."""
    reference = request.headers.get("x-tenant", "").strip()
    if not reference:
        raise ApiError(400, "INVALID_PAYLOAD", "Header 'X-Tenant' is required",
                       {"X-Tenant": ["required"]})
    try:
        tenant_id = UUID(reference)
    except ValueError:
        row = await membership_by_slug(runtime.store, reference.lower(), request.user.id)
    else:
        row = await membership_by_id(runtime.store, tenant_id, request.user.id)
    if row is None:
        raise ApiError(403, "FORBIDDEN", "You are not a member of this tenant")
    return str(row["tenant_id"])
