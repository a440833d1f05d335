"""SQL over the quota read models."""
from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID


async def daily_limits(store: Any) -> dict[str, int]:
    rows = await store.fetch_all("SELECT action, daily_limit FROM quota_limits WHERE daily_limit IS NOT NULL")
    return {row["action"]: int(row["daily_limit"]) for row in rows}


async def usage_on(store: Any, user_id: UUID, day: date) -> dict[str, int]:
    rows = await store.fetch_all("SELECT action, used FROM quota_usage WHERE user_id = :user AND day = :day",
                                 {"user": str(user_id), "day": day.isoformat()})
    return {row["action"]: int(row["used"]) for row in rows}
