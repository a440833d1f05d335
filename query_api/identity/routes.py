"""Identity reads (CONTRACT §2), from the `users` read model."""
from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from domain.errors import NotFoundError
from infra.runtime import Runtime
from query_api.identity.queries import user_by_id, users_page
from query_api.pagination import paginated, requested_page

USERS = "/api/v1/users"


@get(f"{USERS}/me")
async def me(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    user = await user_by_id(runtime.store, request.user.id)
    seconds_left = max(0, int(request.auth["exp"]) - int(time.time()))
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    return {"user": user, "token": token, "expired_at": seconds_left}


@get(USERS)
async def list_users(request: Request, runtime: NamedDependency[Runtime],
                     search: FromQuery[str | None] = None) -> dict[str, Any]:
    """Staff see everyone; a user sees only itself."""
    page = requested_page(request)
    only = None if request.user.is_staff else request.user.id
    search = (search or "").strip()[:254]
    count, results = await users_page(runtime.store, page, search=search, only=only)
    return paginated(request, page, count, results)


@get(f"{USERS}/{{user_id:str}}")
async def user_detail(user_id: FromPath[str], request: Request,
                      runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """Oneself, or anyone for staff; others are 404 so ids reveal nothing."""
    try:
        wanted = UUID(user_id)
    except ValueError:
        raise NotFoundError("User not found") from None
    visible = request.user.is_staff or wanted == request.user.id
    user = await user_by_id(runtime.store, wanted) if visible else None
    if user is None:
        raise NotFoundError("User not found")
    return user


# Plain handlers, not a Router: the command side serves PATCH and DELETE on users/me.
router = [me, list_users, user_detail]
