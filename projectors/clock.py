"""How far the read models have got: `X-Projection-Position` and `X-Min-Position` (CONTRACT §1).

In embedded mode the follower advances the clock directly. A query service in production
reads the projections' positions from the database: the position is the lowest over every
projection of the highest position below which it has applied everything.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

from projectors.runtime import FLOOR


class ProjectionClock:
    def __init__(self, store: Any = None, expected_sources: dict[str, list[str]] | None = None,
                 poll_interval: float = 0.01, cache_seconds: float = 0.01) -> None:
        self.store = store
        self.expected_sources = expected_sources
        self.position = 0
        self.poll_interval = poll_interval
        self.cache_seconds = cache_seconds
        self._read_at = 0.0
        self._advanced = asyncio.Event()

    def advance(self, position: int) -> None:
        if position > self.position:
            self.position = position
        self._advanced.set()
        self._advanced = asyncio.Event()

    async def current(self) -> int:
        if self.expected_sources is not None and time.monotonic() - self._read_at > self.cache_seconds:
            self._read_at = time.monotonic()
            self.advance(await self._read_from_store())
        return self.position

    async def wait_for(self, position: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while await self.current() < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            waiter = self._advanced
            wait = remaining if self.expected_sources is None else min(remaining, self.poll_interval)
            try:
                await asyncio.wait_for(waiter.wait(), timeout=wait)
            except TimeoutError:
                pass
        return True

    async def _read_from_store(self) -> int:
        rows = await self.store.fetch_all("SELECT projection, source, position FROM projection_positions")
        found: dict[str, dict[str, int]] = {}
        for row in rows:
            found.setdefault(row["projection"], {})[row["source"]] = row["position"]
        return position_of(found, self.expected_sources or {})


def position_of(found: dict[str, dict[str, int]], expected: dict[str, list[str]]) -> int:
    """Lowest fully-applied position over projections, each over its expected sources."""
    positions = []
    for projection, sources in expected.items():
        rows = found.get(projection, {})
        floor = rows.get(FLOOR, 0)
        positions.append(min((max(rows.get(s, 0), floor) for s in sources), default=floor))
    return min(positions, default=0)
