"""`X-Tenant` on the command side: which tenant a request acts in, checked in the event store.

Other contexts' tenant-scoped commands call `tenant_of_request` before their own command;
membership comes from the Tenant aggregate, so a member added a moment ago is admitted at once.
"""
from __future__ import annotations

from uuid import UUID

from litestar import Request

from domain.tenancy.application import TenancyApplication
from infra.runtime import Runtime
from infra.web.errors import ApiError

HEADER = "x-tenant"


def tenant_reference(request: Request) -> str:
    """The raw `X-Tenant` value (a tenant id or slug), or 400 when it is missing."""
    reference = request.headers.get(HEADER, "").strip()
    if not reference:
        raise ApiError(400, "INVALID_PAYLOAD", "Header 'X-Tenant' is required",
                       {"X-Tenant": ["required"]})
    return reference


async def tenant_of_request(request: Request, runtime: Runtime) -> UUID:
    """The id of the caller's tenant named by `X-Tenant`; 400 if missing, 403 if not a member."""
    tenancy = runtime.app(TenancyApplication)
    tenant, _ = await runtime.execute(tenancy.tenant_of_member, tenant_reference(request),
                                      request.user.id)
    return tenant.id
