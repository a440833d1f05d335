"""How far the read models have got: `X-Projection-Position` and `X-Min-Position` (CONTRACT §1).

In embedded mode the follower advances the clock directly. A query service in production
reads the projections' positions from the database: the position is the lowest over every
projection of the highest position below which it has applied everything. A projector in
production learns that position from the relay's claims (`RelayClaims`).
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

from infra.kafka import BatchNote, Claim
from projectors.runtime import FLOOR

CLAIMS_KEPT = 1000
RECENT_CLAIMS_KEPT = 64


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


def positions_found(tx: Any) -> dict[str, dict[str, int]]:
    """Every projection's stored position per source, as `position_of` takes them."""
    found: dict[str, dict[str, int]] = {}
    for row in tx.fetch_all("SELECT projection, source, position FROM projection_positions"):
        found.setdefault(row["projection"], {})[row["source"]] = row["position"]
    return found


def position_of(found: dict[str, dict[str, int]], expected: dict[str, list[str]]) -> int:
    """Lowest fully-applied position over projections, each over its expected sources."""
    positions = []
    for projection, sources in expected.items():
        rows = found.get(projection, {})
        floor = rows.get(FLOOR, 0)
        positions.append(min((max(rows.get(s, 0), floor) for s in sources), default=floor))
    return min(positions, default=0)


class RelayClaims:
    """The relay's claims heard by one projector process, turned into each projection's floor.

    A projection's floor rises to a claim's position once, on every source it consumes, it
    has reached what the claim says was told there: then it has every event up to the claim,
    even from partitions that had nothing new. Floors found by a batch count only once its
    transaction committed (`settle`); claims below every projection's floor are dropped.
    """

    def __init__(self, sources: dict[str, list[str]]) -> None:
        self.sources = sources
        self.claims: list[Claim] = []
        self.floors: dict[str, int] = {}
        self.found: dict[str, int] = {}
        self.heard_at: dict[int, float] = {}
        self.passed = 0  # every projection's floor is at least this
        self.recent: dict[int, Claim] = {}  # by position, also those passed: notes build on them

    def hear(self, claim: Claim, at: float = 0.0) -> None:
        """`at`: when it arrived (monotonic), for `oldest_heard_at`. A claim no higher than
        one heard before, or than every floor, has nothing to raise."""
        self._remember(claim)
        if claim.position <= self.passed:
            return
        if not self.claims or claim.position > self.claims[-1].position:
            self.claims.append(claim)
            self.heard_at[claim.position] = at
            if len(self.claims) > CLAIMS_KEPT:
                del self.claims[:-CLAIMS_KEPT]
                self._forget_dropped_arrivals()

    def hear_batch(self, position: int, note: BatchNote, at: float = 0.0) -> None:
        """The claim the relay will send for the batch ending at `position`, known early from
        the batch's note if the claim of the batch before it was heard. It is as true as the
        relay's own: the touched partitions were told `position`, the others got nothing
        since the claim for `note.after`; and it raises a floor only once the touched
        partitions were read up to `position`, i.e. the batch's records are in hand."""
        before = self.recent.get(note.after)
        if before is not None and position > note.after:
            self.hear(Claim(position, {**before.told, **dict.fromkeys(note.touched, position)}), at)

    def _remember(self, claim: Claim) -> None:
        self.recent[claim.position] = claim
        if len(self.recent) > RECENT_CLAIMS_KEPT:
            del self.recent[min(self.recent)]

    def oldest_heard_at(self) -> float | None:
        """When the oldest claim some projection has not yet passed arrived; None if none."""
        return self.heard_at.get(self.claims[0].position) if self.claims else None

    def floor(self, projection: str, reached: dict[str, int]) -> int:
        """The highest claim this projection has fully reached (`reached`: source → position)."""
        sources, floor = self.sources.get(projection, ()), reached.get(FLOOR, 0)
        for claim in reversed(self.claims):
            if claim.position <= floor:
                break
            told = claim.told
            if all(source in told and max(reached.get(source, 0), floor) >= told[source]
                   for source in sources):
                self.found[projection] = claim.position
                return claim.position
        return 0

    def settle(self) -> dict[str, int]:
        """The floors the committed batch raised; forget claims every projection passed."""
        raised, self.found = self.found, {}
        self.floors.update(raised)
        if len(self.floors) == len(self.sources):
            lowest = self.passed = max(self.passed, min(self.floors.values()))
            self.claims = [claim for claim in self.claims if claim.position > lowest]
            self._forget_dropped_arrivals()
        return raised

    def _forget_dropped_arrivals(self) -> None:
        self.heard_at = {claim.position: self.heard_at[claim.position] for claim in self.claims}

    def discard(self) -> None:
        self.found = {}
