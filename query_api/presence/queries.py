"""SQL over presence: live leases say who is online now, the `presence` view since when."""
from __future__ import annotations

import time
from typing import Any

from infra.envelope import format_timestamp
from query_api.presence.leases import moment

ONLINE_USERS = (
    "SELECT u.id, u.first_name, u.last_name, u.avatar_url, p.last_seen FROM users u"
    " LEFT JOIN presence p ON p.user_id = u.id"
    " WHERE u.id IN (SELECT user_id FROM presence_leases WHERE expires_at >= :now)"
    " ORDER BY lower(u.first_name), lower(u.last_name), u.id")
ONLINE_COUNT = "SELECT count(DISTINCT user_id) AS n FROM presence_leases WHERE expires_at >= :now"


async def online_users(store: Any) -> list[dict[str, Any]]:
    """Users with at least one live `/ws/presence/` connection (CONTRACT §5.5)."""
    now = time.time()
    rows = await store.fetch_all(ONLINE_USERS, {"now": now})
    return [{**row, "is_online": True, "last_seen": row["last_seen"] or format_timestamp(moment(now))}
            for row in rows]


async def online_count(store: Any) -> int:
    """How many users are online now (the dashboard's `online_users`)."""
    row = await store.fetch_one(ONLINE_COUNT, {"now": time.time()})
    return int(row["n"]) if row else 0
