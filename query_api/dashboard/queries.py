"""SQL over the `dashboard` read model."""
from __future__ import annotations

from typing import Any

from projectors.dashboard.dashboard_view import SNAPSHOT_READS, snapshot


async def dashboard(store: Any) -> dict[str, Any]:
    """The counts, the last hour of events per minute (oldest first), and the events total."""
    counts, minutes = [await store.fetch_all(sql, params) for sql, params in SNAPSHOT_READS]
    return snapshot(counts, minutes)
