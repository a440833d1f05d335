"""Identity reads (CONTRACT §2), from the `users` read model."""
from __future__ import annotations

import time
from typing import Any

from litestar import Request, Router, get

from infra.runtime import Runtime
from query_api.identity.queries import user_by_id


@get("/me")
async def me(request: Request, runtime: Runtime) -> dict[str, Any]:
    user = await user_by_id(runtime.store, request.user.id)
    seconds_left = max(0, int(request.auth["exp"]) - int(time.time()))
    token = request.headers.get("authorization", "").partition(" ")[2]
    return {"user": user, "token": token, "expired_at": seconds_left}


router = Router(path="/api/v1/users", route_handlers=[me])
