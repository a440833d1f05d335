"""`tessera replay` and `tessera verify` (CONTRACT §7).

Verify rebuilds every projection from the log into a scratch store and compares it, table by
table, with the live read models at the same position, read in one snapshot, so it can run
while commands flow. A difference means a projection is not a pure function of the events:
exactly what would make replays unsafe.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from projectors.clock import position_of, positions_found
from projectors.projection import Projection, sql_for
from projectors.runtime import catch_up, create_tables, reset


def replay(recorder: Any, store: Any, projections: list[Projection], batch_size: int = 2000,
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
           expected: dict[str, list[str]]) -> dict[str, Any]:
    """Differences between the live read models and a rebuild of each from the log up to its
    own position, the live side read in one snapshot. Read table by table while live batches
    went on, and rebuilt to one position for all, the comparison reported every row newer
    than that position as a difference: run while commands flowed, verify failed for nothing.
    """
    with live.snapshot() as view:
        found = positions_found(view)
        stops = {p.name: position_of(found, {p.name: expected[p.name]}) for p in projections}
        create_tables(scratch, projections)
        for stop in sorted(set(stops.values())):
            replay(recorder, scratch, [p for p in projections if stops[p.name] == stop], stop=stop)
        differences = {}
        for projection in projections:
            for table in projection.tables:
                only_live, only_rebuilt = _compare(view, scratch, table)
                if only_live or only_rebuilt:
                    differences[table] = {"only_live": only_live[:5], "only_rebuilt": only_rebuilt[:5],
                                          "counts": [len(only_live), len(only_rebuilt)]}
    return {"position": min(stops.values(), default=0), "differences": differences}


def _rows(tx: Any, table: str) -> set[tuple]:
    return {tuple(sorted(row.items())) for row in tx.fetch_all(f"SELECT * FROM {table}")}


def _compare(view: Any, scratch: Any, table: str) -> tuple[list[Any], list[Any]]:
    with scratch.transaction() as tx:
        rebuilt_rows = _rows(tx, table)
    live_rows = _rows(view, table)
    return sorted(map(dict, live_rows - rebuilt_rows), key=str), sorted(map(dict, rebuilt_rows - live_rows), key=str)
