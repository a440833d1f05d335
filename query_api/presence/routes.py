"""Presence reads (CONTRACT §5.5)."""
from __future__ import annotations

from typing import Any

from litestar import get
from litestar.di import NamedDependency

from infra.runtime import Runtime
from query_api.presence.queries import online_users


@get("/api/v1/online-users")
async def list_online_users(runtime: NamedDependency[Runtime]) -> list[dict[str, Any]]:
    return await online_users(runtime.store)


router = [list_online_users]
