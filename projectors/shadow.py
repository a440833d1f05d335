"""`tessera replay` beside the live read side (CONTRACT §7): rebuild off to the side, swap in.

A replay builds its projections' tables in a shadow store (a schema of its own on
PostgreSQL, a file beside the database on SQLite) while the live tables go on answering and
the live path (the embedded follower, the production projector) goes on applying events and
making their frames. The shadow never gets ahead of the live path: at the end, holding the
read models for a moment (`replaying`), the replay applies to the shadow exactly the events
the live path has applied, swaps the tables in in one transaction and leaves the live
positions as they are. Readers see the old read model or the new one, never one half built;
every event gets its frames once, from the live path.

The replay used to drop the live tables and refill them while live batches waited: for its
whole run `users` was short of rows (valid tokens got 401, sockets 4401), and the events
appended meanwhile were applied by the replay without frames, then skipped by the live path,
so subscribers and `?since=` resumes never saw them.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from projectors.clock import positions_found
from projectors.projection import Projection
from projectors.runtime import catch_up, floor_position
from projectors.verify import SourceOf, apply_as_live, replay

# How far behind the live path the shadow may be when the replay takes the read models: the
# rest is applied while live batches wait.
CLOSE_ENOUGH = 1000
# First wait before trying the swap again when a long transaction held a table (`swap_in`).
SWAP_PAUSE = 0.5
log = logging.getLogger("tessera.replay")


def replay_beside_live(recorder: Any, live: Any, shadow: Any, projections: list[Projection], *,
                       batch_size: int = 2000, source_of: SourceOf | None = None) -> dict[str, float]:
    """Rebuild `projections` in `shadow` (its runtime tables created) and swap them into `live`.
    `source_of` names an event's Kafka partition (production), whose position rows say what
    the projector applied beyond its floor."""
    started = time.perf_counter()
    _build_behind(recorder, live, shadow, projections, batch_size)
    reached = _swap_in(recorder, live, shadow, projections, batch_size, source_of)
    seconds = time.perf_counter() - started
    return {"position": reached, "seconds": seconds,
            "events_per_second": reached / seconds if seconds else 0}


def _live_floor(live: Any, projections: list[Projection]) -> int:
    with live.transaction() as tx:
        return min((floor_position(tx, p.name) for p in projections), default=0)


def _build_behind(recorder: Any, live: Any, shadow: Any, projections: list[Projection],
                  batch_size: int) -> None:
    """The shadow built up to the live floor, again while the live path moved on meanwhile."""
    built = int(replay(recorder, shadow, projections, batch_size, stop=_live_floor(live, projections))["position"])
    while (target := _live_floor(live, projections)) - built > CLOSE_ENOUGH:
        reached, _ = catch_up(recorder, shadow, projections, batch_size=batch_size, stop=target,
                              push=False, read_ahead=True)
        if reached <= built:
            return
        built = reached


def _swap_in(recorder: Any, live: Any, shadow: Any, projections: list[Projection], batch_size: int,
             source_of: SourceOf | None) -> int:
    """Match the live path and swap the tables in; again after a pause if a long transaction
    held a table. The live path goes on meanwhile and the next match applies what it did."""
    tables = [table for p in projections for table in p.tables]
    pause = SWAP_PAUSE
    while True:
        with live.replaying():
            reached = _match_live(recorder, live, shadow, projections, batch_size, source_of)
            if live.swap_in(shadow, tables):
                return reached
        log.warning("a long transaction holds a read-model table; swapping in again in %.1fs", pause)
        time.sleep(pause)
        pause = min(pause * 2, 30.0)


def _match_live(recorder: Any, live: Any, shadow: Any, projections: list[Projection],
                batch_size: int, source_of: SourceOf | None) -> int:
    """Apply to the shadow what the live path applied beyond it, run while live batches wait,
    so the shadow's positions become the live ones (a later match skips exactly what this one
    applied)."""
    with live.transaction() as tx:
        found = positions_found(tx)
    return apply_as_live(recorder, shadow, projections, found, batch_size, source_of)
