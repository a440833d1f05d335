"""Applying batches of events to projections, exactly once per projection.

Each projection's progress is a set of rows `(projection, source, position)`: one per Kafka
partition it consumes, or the floor row `*` written by the in-process follower, by
replays, and by a projector once the relay's claims show every source complete up to it. An event is applied only if its position is above both, and the new positions are
written in the same transaction as the projection's rows, so redeliveries, relay duplicates
and replays never double-count.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any

import msgspec

from infra import tracing
from infra.envelope import Envelope, envelope_from_notification
from projectors.projection import Projection, Writer, values_of

FLOOR = "*"

RUNTIME_TABLES = [
    """CREATE TABLE IF NOT EXISTS projection_positions (
        projection TEXT NOT NULL, source TEXT NOT NULL, position BIGINT NOT NULL,
        PRIMARY KEY (projection, source))""",
    """CREATE TABLE IF NOT EXISTS push_frames (
        position BIGINT NOT NULL, seq INTEGER NOT NULL, channel TEXT NOT NULL,
        frame TEXT NOT NULL, PRIMARY KEY (channel, position, seq))""",
]

_encode = msgspec.json.Encoder().encode

SCHEMA_LOCK = 0x7E55E8A0  # advisory lock key held while a process creates the read-model schema


def create_tables(store: Any, projections: Iterable[Projection], extra: Sequence[str] = (),
                  extra_columns: Sequence[tuple[str, str, str]] = ()) -> None:
    """Create the runtime's, the projections' and any `extra` tables (idempotent), and add
    `extra_columns` (table, column, type) that a table created by an older version lacks.

    Services start together and each sets up the schema; on PostgreSQL they take turns on an
    advisory lock, since concurrent `CREATE ... IF NOT EXISTS` of one table can still collide.
    """
    with store.transaction() as tx:
        if store.dialect == "postgres":
            tx.execute("SELECT pg_advisory_xact_lock(:key)", {"key": SCHEMA_LOCK})
        for statement in [*RUNTIME_TABLES, *extra]:
            tx.execute(statement)
        for table, column, kind in extra_columns:
            if not _has_column(tx, table, column):
                tx.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        for projection in projections:
            for statement in projection.ddl(store.dialect):
                tx.execute(statement)


def _has_column(tx: Any, table: str, column: str) -> bool:
    """Looked up rather than `ADD COLUMN IF NOT EXISTS`: SQLite has no such clause, and on
    PostgreSQL the statement locks the table out even when the column is there."""
    if tx.dialect == "postgres":
        sql = ("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
               "AND table_name = :table AND column_name = :column")
    else:
        sql = "SELECT 1 FROM pragma_table_info(:table) WHERE name = :column"
    return tx.fetch_one(sql, {"table": table, "column": column}) is not None


def _positions(tx: Any, projections: Sequence[str], sources: Sequence[str],
               everywhere: bool) -> dict[str, dict[str, int]]:
    """The position rows of these projections on `sources` and their floors, locked for this
    transaction; with `everywhere`, their other sources' rows too, read without a lock (one
    round trip). Only rows this batch may move are locked: locking a row is a write."""
    if not projections:
        return {}
    params = {f"p{i}": name for i, name in enumerate(projections)}
    params.update({f"s{i}": source for i, source in enumerate([FLOOR, *sources])})
    names = ", ".join(f":p{i}" for i in range(len(projections)))
    lock = " FOR UPDATE" if tx.dialect == "postgres" else ""
    select = f"SELECT projection, source, position FROM projection_positions WHERE projection IN ({names})"
    movable = ", ".join(f":s{i}" for i in range(len(sources) + 1))
    reads = [(f"{select} AND source IN ({movable}){lock}", params)]
    if everywhere:
        reads.append((f"{select} AND source NOT IN ({movable})", params))
    found: dict[str, dict[str, int]] = {}
    for rows in tx.write_all([], reads):
        for row in rows:
            found.setdefault(row["projection"], {})[row["source"]] = row["position"]
    return found


def _done(found: dict[str, int], sources: Sequence[str]) -> dict[str, int]:
    floor = found.get(FLOOR, 0)
    return {source: max(found.get(source, 0), floor) for source in sources}


def _save_positions(writer: Writer, reached: list[dict[str, Any]]) -> None:
    """Queued behind the projections' own writes: the batch's last flush sends them together,
    as one statement (a row per projection and source moved, the furthest if one moved twice)."""
    furthest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in reached:
        key = (row["p"], row["s"])
        if key not in furthest or row["pos"] > furthest[key]["pos"]:
            furthest[key] = row
    insert_rows(writer, "INSERT INTO projection_positions (projection, source, position)",
                ("p", "s", "pos"), [furthest[key] for key in sorted(furthest)],
                "ON CONFLICT (projection, source) DO UPDATE SET position = excluded.position")


ROWS_PER_STATEMENT = 500


def insert_rows(writer: Writer, head: str, names: Sequence[str], rows: Sequence[dict[str, Any]],
                tail: str = "") -> None:
    """`head VALUES (...), (...) tail` for many rows at once: a batch's dozens of position and
    frame rows cost the server one statement instead of one each. `names` are the rows' keys
    in the columns' order; rows that conflict with each other must not be given together."""
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        values, params = values_of(names, rows[start:start + ROWS_PER_STATEMENT])
        writer.execute(f"{head} VALUES {values} {tail}".rstrip(), params)


class SourceBatch(msgspec.Struct):
    """Events from one source (a Kafka partition, or the whole log) plus its watermark."""

    source: str
    events: list[Envelope]
    watermark: int = 0


def apply_batches(store: Any, projections: Sequence[Projection],
                  batches: Sequence[SourceBatch], push: bool = True,
                  consumes: Callable[[Projection, str], bool] | None = None,
                  claims: Any = None, durable: bool = True, live: bool = False) -> list[dict[str, Any]]:
    """Apply every batch to every projection in one transaction; return the push frames.

    A replay passes `push=False`: rebuilding history must not re-send old frames to clients.
    `consumes(projection, source)` limits each projection to its own sources (Kafka topics).
    `claims` (a `projectors.clock.RelayClaims`) raises each projection's floor row.
    `durable=False` only for a batch of claims alone (see `Projector.apply`).
    `live`: the live read side's batch, which waits while a replay holds the read models
    (`infra.readstore`).
    """
    with store.transaction(durable=durable, live=live) as tx:
        writer = Writer(tx)
        writer.pushing = push
        chosen = {p.name: [b for b in batches if consumes is None or consumes(p, b.source)]
                  for p in projections}
        claiming = claims is not None and bool(claims.claims)
        known = _positions(tx, [name for name, mine in chosen.items() if mine or claiming],
                           sorted({batch.source for batch in batches}), claiming)
        reached_rows: list[dict[str, Any]] = []
        for projection in projections:
            found = known.get(projection.name, {})
            mine = chosen[projection.name]
            if mine:
                reached_rows += _apply_sources(projection, mine, found, writer)
            if claiming:
                reached_rows += _raised_floor(projection.name, found, reached_rows, claims)
        _save_positions(writer, reached_rows)
        if push:
            # log order, also for frames pushed in `after_batch`; stable within a position
            writer.frames.sort(key=itemgetter("position"))
            _store_frames(writer, writer.frames)
        writer.flush()
    return writer.frames if push else []


def _apply_sources(projection: Projection, batches: Sequence[SourceBatch], found: dict[str, int],
                   writer: Writer) -> list[dict[str, Any]]:
    """The position rows this projection moved, after applying its part of the batch."""
    done = _done(found, [batch.source for batch in batches])
    rows = []
    for batch in batches:
        reached = _apply_source(projection, batch, done[batch.source], writer)
        if reached > done[batch.source]:
            rows.append({"p": projection.name, "s": batch.source, "pos": reached})
    projection.after_batch(writer)
    return rows


def _raised_floor(name: str, found: dict[str, int], moved: list[dict[str, Any]],
                  claims: Any) -> list[dict[str, Any]]:
    """The floor row, if a claim lifts this projection's floor above what is stored."""
    reached = {**found, **{row["s"]: row["pos"] for row in moved if row["p"] == name}}
    floor = claims.floor(name, reached)
    return [{"p": name, "s": FLOOR, "pos": floor}] if floor > found.get(FLOOR, 0) else []


def _apply_source(projection: Projection, batch: SourceBatch, done: int, writer: Writer) -> int:
    """Apply the events after `done`; filtered in one pass first, since most projections
    handle few of a batch's events and a replay asks every projection about every event."""
    fresh = [envelope for envelope in batch.events if envelope.position > done]
    for envelope in filter(projection.handles, fresh):
        writer.position = envelope.position
        projection.apply(envelope, writer)
    return max(fresh[-1].position if fresh else done, batch.watermark)


def _store_frames(writer: Writer, frames: list[dict[str, Any]]) -> None:
    seqs: dict[tuple[str, int], int] = {}
    rows = []
    for frame in frames:
        key = (frame["channel"], frame["position"])
        seq = seqs[key] = seqs.get(key, -1) + 1
        frame["seq"] = seq
        rows.append({"position": frame["position"], "seq": seq, "channel": frame["channel"],
                     "frame": _encode(frame).decode()})
    insert_rows(writer, "INSERT INTO push_frames (position, seq, channel, frame)",
                ("position", "seq", "channel", "frame"), rows,
                "ON CONFLICT (channel, position, seq) DO NOTHING")


def floor_position(store_tx: Any, projection: str) -> int:
    row = store_tx.fetch_one(
        "SELECT position FROM projection_positions WHERE projection = :p AND source = :s",
        {"p": projection, "s": FLOOR},
    )
    return row["position"] if row else 0


def reset(store: Any, projection: Projection) -> None:
    """Drop a projection's tables, create them from its current DDL and forget its positions
    (the first step of a replay), in one transaction, so no reader finds a table missing.
    Recreating rather than emptying makes a replay also the migration of a read model whose
    shape changed, and leaves no dead rows for vacuum."""
    with store.transaction() as tx:
        for table in projection.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in projection.ddl(store.dialect):
            tx.execute(statement)
        tx.execute("DELETE FROM projection_positions WHERE projection = :p", {"p": projection.name})


def catch_up(recorder: Any, store: Any, projections: Sequence[Projection], *, batch_size: int = 1000,
             stop: int | None = None, push: bool = True, read_ahead: bool = False,
             live: bool = False) -> tuple[int, list[dict[str, Any]]]:
    """Apply the log from the projections' floor up to `stop` (or its end), in batches.

    Returns the position reached and the frames to publish. `read_ahead` (replays) reads and
    decodes the next batch in a thread while this one is written. `live` (the in-process
    follower) as in `apply_batches`.
    """
    with store.transaction() as tx:
        reached = min((floor_position(tx, p.name) for p in projections), default=0)
    frames: list[dict[str, Any]] = []
    batches = _read_ahead if read_ahead else log_batches
    for notes, events in batches(recorder, reached, stop, batch_size):
        with tracing.stored("projector.apply", notes if push else ()):
            frames += apply_batches(store, projections,
                                    [SourceBatch(FLOOR, events, events[-1].position)], push, live=live)
        reached = events[-1].position
    return reached, frames


LogBatch = tuple[Sequence[Any], list[Envelope]]


def log_batches(recorder: Any, after: int, stop: int | None, batch_size: int) -> Iterator[LogBatch]:
    """The log after `after` (up to `stop`), as notifications and their envelopes, in batches."""
    while stop is None or after < stop:
        limit = batch_size if stop is None else min(batch_size, stop - after)
        notes = recorder.select_notifications(start=after, limit=limit, stop=stop, inclusive_of_start=False)
        if not notes:
            return
        yield notes, [envelope_from_notification(note, with_id=False) for note in notes]
        after = notes[-1].id


def _read_ahead(recorder: Any, after: int, stop: int | None, batch_size: int) -> Iterator[LogBatch]:
    """`log_batches` one batch ahead in a thread: the next read's wait on the database and
    its decoding overlap this batch's writes (a one-process replay waited on the database for
    a third of its time)."""
    ready: queue.Queue[LogBatch | BaseException | None] = queue.Queue(maxsize=2)
    closed = threading.Event()

    def read() -> None:
        try:
            for batch in log_batches(recorder, after, stop, batch_size):
                while not closed.is_set():
                    try:
                        ready.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        except BaseException as error:  # noqa: BLE001 - handed to the reading side
            ready.put(error)
            return
        ready.put(None)

    reader = threading.Thread(target=read, name="tessera-read-ahead", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        closed.set()
