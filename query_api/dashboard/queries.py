"""SQL over the `dashboard` read model."""
from __future__ import annotations

from typing import Any

from projectors.dashboard.dashboard_view import MINUTES_SHOWN, snapshot


async def dashboard(store: Any) -> dict[str, Any]:
    """The counts, the last hour of events per minute (oldest first), and the events total."""
    counts = await store.fetch_all("SELECT name, value FROM dashboard_counts")
    minutes = await store.fetch_all(
        "SELECT minute, events FROM dashboard_minutes ORDER BY minute DESC LIMIT :n",
        {"n": MINUTES_SHOWN})
    total = await store.fetch_one("SELECT sum(events) AS n FROM dashboard_minutes")
    return snapshot(counts, minutes, total)
