"""Quota reads (CONTRACT §4): the caller's usage of every limited or used action today (UTC)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency

from domain.quotas.quota import next_reset
from infra.runtime import Runtime
from query_api.quotas import queries

API = "/api/v1"


@get(f"{API}/quotas")
async def my_quotas(request: Request, runtime: NamedDependency[Runtime]) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    limits = await queries.daily_limits(runtime.store)
    used = await queries.usage_on(runtime.store, request.user.id, now.date())
    resets_at = next_reset(now).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [{"action": action, "used": used.get(action, 0), "limit": limits.get(action),
             "remaining": None if action not in limits else max(0, limits[action] - used.get(action, 0)),
             "resets_at": resets_at}
            for action in sorted(limits.keys() | used.keys())]


# Plain handlers, not a Router: reads and commands share paths across services.
# Plain handlers, not a Router: reads and commands share paths across services.
router = [my_quotas]
