"""`tessera replay` and `tessera verify` (CONTRACT §7).

Verify rebuilds every projection from the log into a scratch store and compares it, table by
table, with the live read models at the same position, read in one snapshot, so it can run
while commands flow. A difference means a projection is not a pure function of the events:
exactly what would make replays unsafe.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from infra.envelope import Envelope
from projectors.clock import position_of, positions_found
from projectors.projection import Projection, sql_for
from projectors.runtime import (
    FLOOR,
    SourceBatch,
    apply_batches,
    catch_up,
    create_tables,
    floor_position,
    log_batches,
    reset,
)

SourceOf = Callable[[Envelope], str]  # an event's Kafka partition, a production projector's source
REPLAY_BATCH = 2000  # events read from the log and applied per transaction


def replay(recorder: Any, store: Any, projections: list[Projection], batch_size: int = REPLAY_BATCH,
           stop: int | None = None) -> dict[str, float]:
    """Rebuild `projections` in `store` from the log (up to `stop`), in place: the tables of a
    replay's shadow store (`projectors.shadow`) and of verify's scratch store."""
    started = time.perf_counter()
    for projection in projections:
        reset(store, projection)
    deferred = [projection for projection in projections if projection.write_only]
    _drop_indexes(store, deferred)
    try:
        reached, _ = catch_up(recorder, store, projections, batch_size=batch_size, stop=stop,
                              push=False, read_ahead=True)
    finally:
        _build_indexes(store, deferred)
    seconds = time.perf_counter() - started
    return {"position": reached, "seconds": seconds, "events_per_second": reached / seconds if seconds else 0}


def _drop_indexes(store: Any, projections: list[Projection]) -> None:
    with store.transaction() as tx:
        for projection in projections:
            for name in projection.index_names():
                tx.execute(f"DROP INDEX IF EXISTS {name}")


def _build_indexes(store: Any, projections: list[Projection]) -> None:
    """Each dropped index built again, on PostgreSQL several at once (the server sorts while
    this process waits). Also run when a replay fails, so queries never lose an index."""
    statements = [sql_for(store.dialect, ddl) for p in projections for ddl in p.indexes]

    def build(statement: str) -> None:
        with store.transaction() as tx:
            tx.execute(statement)

    workers = 2 if store.dialect == "postgres" else 1
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tessera-index") as pool:
        list(pool.map(build, statements))


def replay_groups(projections: list[Projection], workers: int) -> list[list[str]]:
    """Projections split for replaying in `workers` processes at once, so one process's Python
    work overlaps another's wait on the database. A projection of every context (the audit
    log writes a row per event) is the heaviest: each of those gets a process of its own while
    processes remain, and the rest share the last ones, dealt round-robin."""
    ordered = sorted(projections, key=lambda p: (bool(p.contexts), p.name))
    count = max(1, min(workers, len(ordered)))
    alone = [p for p in ordered if not p.contexts][:count - 1]
    groups: list[list[str]] = [[p.name] for p in alone]
    shared = [p for p in ordered if p not in alone]
    dealt: list[list[str]] = [[] for _ in range(count - len(alone))]
    for index, projection in enumerate(shared):
        dealt[index % len(dealt)].append(projection.name)
    return groups + [group for group in dealt if group]


def verify(recorder: Any, live: Any, scratch: Any, projections: list[Projection],
           expected: dict[str, list[str]], source_of: SourceOf | None = None) -> dict[str, Any]:
    """Differences between the live read models and a rebuild of each from the log to where
    the live path got, the live side read in one snapshot: up to its floor, then (production,
    `source_of`) each partition's events up to that partition's position.

    Read table by table while live batches went on, and rebuilt to one position for all, the
    comparison reported every row newer than that position as a difference. Rebuilt to one
    position per projection, it still did in production whenever a projector had applied one
    partition's events past its floor (a batch gathered before a whole relay batch arrived):
    about one run in five of the verify test beside live checkouts.
    """
    with live.snapshot() as view:
        found = positions_found(view)
        floors = {p.name: found.get(p.name, {}).get(FLOOR, 0) for p in projections}
        create_tables(scratch, projections)
        for floor in sorted(set(floors.values())):
            group = [p for p in projections if floors[p.name] == floor]
            replay(recorder, scratch, group, stop=floor)
            apply_as_live(recorder, scratch, group, found, REPLAY_BATCH, source_of)
        differences = {}
        for projection in projections:
            for table in projection.tables:
                only_live, only_rebuilt = _compare(view, scratch, table)
                if only_live or only_rebuilt:
                    differences[table] = {"only_live": only_live[:5], "only_rebuilt": only_rebuilt[:5],
                                          "counts": [len(only_live), len(only_rebuilt)]}
    stops = [position_of(found, {p.name: expected[p.name]}) for p in projections]
    return {"position": min(stops, default=0), "differences": differences}


def _rows(tx: Any, table: str) -> set[tuple]:
    return {tuple(sorted(row.items())) for row in tx.fetch_all(f"SELECT * FROM {table}")}


def _compare(view: Any, scratch: Any, table: str) -> tuple[list[Any], list[Any]]:
    with scratch.transaction() as tx:
        rebuilt_rows = _rows(tx, table)
    live_rows = _rows(view, table)
    return sorted(map(dict, live_rows - rebuilt_rows), key=str), sorted(map(dict, rebuilt_rows - live_rows), key=str)


def apply_as_live(recorder: Any, store: Any, projections: list[Projection],
                  found: dict[str, dict[str, int]], batch_size: int, source_of: SourceOf | None) -> int:
    """Apply to `store` the events beyond its floors that the live path applied by `found` (its
    positions per projection and source): per projection, the events at or below its floor or
    its partition's position, as batches of those sources. `tessera verify` rebuilds the same
    way: in production a projection may hold events of one partition beyond its floor."""
    with store.transaction() as tx:
        built = min(floor_position(tx, p.name) for p in projections)
    done = {p.name: found.get(p.name, {}) for p in projections}
    end = max((position for rows in done.values() for position in rows.values()), default=0)
    for _, events in log_batches(recorder, built, end, batch_size):
        for projection in projections:
            apply_batches(store, [projection], _as_applied(done[projection.name], events, source_of),
                          push=False)
    return max(end, built)


def _as_applied(rows: dict[str, int], events: list[Envelope], source_of: SourceOf | None) -> list[SourceBatch]:
    """`events` as the live path applied them: up to its floor, then each partition's own."""
    floor = rows.get(FLOOR, 0)
    batches = [SourceBatch(FLOOR, [e for e in events if e.position <= floor], min(floor, events[-1].position))]
    beyond: dict[str, list[Envelope]] = {}
    for envelope in events:
        if source_of and envelope.position > floor:
            beyond.setdefault(source_of(envelope), []).append(envelope)
    return batches + [SourceBatch(source, [e for e in found if e.position <= rows.get(source, 0)])
                      for source, found in beyond.items()]
