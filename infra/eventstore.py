"""The event store: eventsourcing's recorders (PostgreSQL or SQLite) with msgspec events.

Three things are added to the library here:
- `MsgspecMapper` stores an event as its msgspec JSON and upcasts old versions on the way in;
- `GroupCommitRecorder` appends the events of many concurrent commands in one transaction:
  appends are serialised (see `append_function`), so throughput is bound by transactions,
  not rows; batching keeps the gap-free log the relay relies on;
- `Envelope` is the wire form of an event (CONTRACT §7), the same in every mode.
"""
from __future__ import annotations

import threading
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import unquote, urlparse
from uuid import UUID

import msgspec
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    IntegrityError,
    InterfaceError,
    Mapper,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import Environment, get_topic, resolve_topic, retry

from domain.errors import TooLargeError
from infra import metrics, tracing
from infra.config import Settings

last_position: ContextVar[int | None] = ContextVar("tessera_last_position", default=None)


class MsgspecMapper(Mapper[UUID]):
    """Stores events as msgspec JSON; upcasts via `class_version` and `upcast_vN_vN+1`."""

    def __init__(self) -> None:
        super().__init__(transcoder=None)  # type: ignore[arg-type]

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        state = msgspec.json.encode(domain_event)
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state = state[:-1] + b',"class_version":' + str(class_version).encode() + b"}"
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=tracing.stamp(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = resolve_topic(stored_event.topic)
        if getattr(cls, "class_version", 1) == 1:
            return msgspec.json.decode(stored_event.state, type=cls)
        state = upcast(cls, msgspec.json.decode(stored_event.state))
        return msgspec.convert(state, cls)


def upcast(cls: type, state: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored event's fields up to the class's current version, one step at a time."""
    target = getattr(cls, "class_version", 1)
    version = state.pop("class_version", 1)
    while version < target:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    return state


class _Append:
    __slots__ = ("events", "ids", "error", "finished", "lead", "wakeup")

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self.events = events
        self.ids: Sequence[int] | None = None
        self.error: BaseException | None = None
        self.finished = False
        self.lead = False
        self.wakeup = threading.Event()

    def finish(self, ids: Sequence[int] | None, error: BaseException | None = None) -> None:
        self.ids, self.error, self.finished = ids, error, True
        self.wakeup.set()


# Every event must fit in one Kafka record (1 MiB at most, the producer's and the broker's
# default) with its envelope and headers, or the relay could never send it: a chat message
# whose content had a field named by 1 MB of text was stored, and the relay then resent
# from it forever while every later event waited behind it, for every user. Refused here,
# for whichever command made it, before it joins a group commit.
MAX_EVENT_BYTES = 768 * 1024


def refuse_oversized(stored_events: Sequence[StoredEvent]) -> None:
    for stored in stored_events:
        if len(stored.state) > MAX_EVENT_BYTES:
            message = f"The change is too large to store: an event over {MAX_EVENT_BYTES} bytes"
            raise TooLargeError(message, {"body": [message]})


class GroupCommitRecorder:
    """Wraps an application recorder so concurrent appends share one transaction.

    The first caller leads: it takes every queued append, inserts them together, and hands
    the lead to the next waiter. If the joint insert hits a version conflict, only the
    commands whose versions are taken fail; the others are inserted together again.
    """

    def __init__(self, inner: ApplicationRecorder, max_batch: int = 200) -> None:
        self.inner = inner
        self.max_batch = max_batch
        self._batch_append = _batch_append_statement(inner)
        self._lock = threading.Lock()
        self._queue: list[_Append] = []
        self._busy = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        refuse_oversized(stored_events)
        if any(value is not None for value in kwargs.values()):  # save() passes tracking=None
            ids = self.inner.insert_events(stored_events, **kwargs)
        else:
            with tracing.span("eventstore.append", {"tessera.events": len(stored_events)}):
                ids = self._append(stored_events)
        metrics.count_appended(stored.topic for stored in stored_events)
        return self._remember(ids)

    def _append(self, stored_events: Sequence[StoredEvent]) -> Sequence[int] | None:
        append = _Append(stored_events)
        with self._lock:
            self._queue.append(append)
            if not self._busy:
                self._busy = append.lead = True
        while not append.finished:
            if append.lead:
                self._lead_one_batch()
            else:
                append.wakeup.wait()
                append.wakeup.clear()
        if append.error is not None:
            raise append.error
        return append.ids

    def last_position_of(self, originator_id: UUID) -> int | None:
        """The global position of the aggregate's latest stored event; None if it has none.
        One read of the (originator_id, originator_version) key; the library has no such call."""
        inner: Any = self.inner
        if isinstance(inner, PostgresAggregateRecorder):
            from psycopg.sql import SQL, Identifier

            statement = SQL("SELECT notification_id FROM {schema}.{table} WHERE originator_id = %s "
                            "ORDER BY originator_version DESC LIMIT 1").format(
                schema=Identifier(inner.datastore.schema), table=Identifier(inner.events_table_name))
            with inner.datastore.get_connection() as conn, conn.cursor() as cursor:
                cursor.execute(statement, [originator_id], prepare=True)
                row = cursor.fetchone()
            return row["notification_id"] if row else None
        with inner.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT rowid FROM {inner.events_table_name} WHERE originator_id = ? "
                           "ORDER BY originator_version DESC LIMIT 1", [originator_id.hex])
            row = cursor.fetchone()
        return row[0] if row else None

    @staticmethod
    def _remember(ids: Sequence[int] | None) -> Sequence[int] | None:
        if ids:
            last_position.set(max(ids))
        return ids

    def _lead_one_batch(self) -> None:
        with self._lock:
            batch, deferred = _without_collisions(self._queue[: self.max_batch])
            self._queue = deferred + self._queue[self.max_batch :]
        for append in batch:
            append.lead = False
        self._commit(batch)
        with self._lock:
            if self._queue:
                self._queue[0].lead = True
                self._queue[0].wakeup.set()
            else:
                self._busy = False

    def _commit(self, batch: list[_Append]) -> None:
        """Insert the batch; on a version conflict, fail the appends whose versions are taken
        and insert the others. On PostgreSQL one statement does both (`batch_append_function`).
        Elsewhere the taken ones are found by reading, outside the append lock, and the
        others inserted together again. Retrying each append alone cost a transaction with
        the append lock and a disk flush each, and held up every command of the process
        behind it: with two command processes selling the same products, p99 rose to half a
        second."""
        if self._batch_append is not None:
            self._commit_reporting_conflicts(batch)
            return
        try:
            ids = self.inner.insert_events([e for a in batch for e in a.events])
        except IntegrityError as conflict:
            self._after_conflict(batch, conflict)
            return
        except BaseException as error:  # noqa: BLE001 - handed to every waiting caller
            for append in batch:
                append.finish(None, error)
            return
        offset = 0
        for append in batch:
            count = len(append.events)
            append.finish(list(ids[offset : offset + count]) if ids else ids)
            offset += count

    def _commit_reporting_conflicts(self, batch: list[_Append]) -> None:
        try:
            positions = self._insert_reporting_conflicts(batch)
        except BaseException as error:  # noqa: BLE001 - handed to every waiting caller
            for append in batch:
                append.finish(None, error)
            return
        for index, append in enumerate(batch):
            ids = positions[index]
            if None in ids:
                append.finish(None, IntegrityError(_TAKEN))
            else:
                append.finish(ids)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_reporting_conflicts(self, batch: list[_Append]) -> list[list[int | None]]:
        """Each append's positions, in order; a taken append's are None."""
        recorder: Any = self.inner
        rows = [recorder.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                for append in batch for e in append.events]
        owners = [index for index, append in enumerate(batch) for _ in append.events]
        positions: list[list[int | None]] = [[] for _ in batch]
        with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(self._batch_append, (rows, owners), prepare=True)
            for row in cursor.fetchall():
                positions[row["append"]].append(row["notification_id"])
        return positions

    def _after_conflict(self, batch: list[_Append], conflict: IntegrityError) -> None:
        if len(batch) == 1:
            batch[0].finish(None, conflict)
            return
        try:
            taken = [append for append in batch if self._version_taken(append)]
        except BaseException as error:  # noqa: BLE001 - the store failed: every caller hears it
            for append in batch:
                append.finish(None, error)
            return
        for append in taken:
            append.finish(None, conflict)
        rest = [append for append in batch if not append.finished]
        if taken and rest:
            self._commit(rest)
        elif rest:  # nothing found taken (a concurrent insert came and went?): halve
            middle = len(rest) // 2
            self._commit(rest[:middle])
            self._commit(rest[middle:])

    def _version_taken(self, append: _Append) -> bool:
        """Whether the store already holds the first version this append writes of an aggregate."""
        first: dict[Any, int] = {}
        for event in append.events:
            first[event.originator_id] = min(first.get(event.originator_id, event.originator_version),
                                             event.originator_version)
        return any(self.inner.select_events(originator, gt=version - 1, lte=version, limit=1)
                   for originator, version in first.items())


_TAKEN = "the aggregate version this append writes is already stored"


def _batch_append_statement(recorder: ApplicationRecorder) -> Any:
    """How to call `batch_append_function`, on a PostgreSQL store; None elsewhere."""
    if not getattr(getattr(recorder, "datastore", None), "enable_db_functions", False):
        return None
    from psycopg.sql import SQL, Identifier

    recorder_: Any = recorder
    return SQL("SELECT * FROM {schema}.{function}(%s::{schema}.{event}[], %s::int[])").format(
        schema=Identifier(recorder_.datastore.schema), function=Identifier(BATCH_APPEND_FUNCTION),
        event=Identifier(recorder_.stored_event_type_name))


def _without_collisions(queue: list[_Append]) -> tuple[list[_Append], list[_Append]]:
    """Split appends so one batch never holds two writes of the same aggregate version."""
    seen: set[tuple[Any, int]] = set()
    batch: list[_Append] = []
    deferred: list[_Append] = []
    for append in queue:
        keys = {(e.originator_id, e.originator_version) for e in append.events}
        if keys & seen and batch:
            deferred.append(append)
        else:
            seen |= keys
            batch.append(append)
    return batch, deferred


def recorder_environment(settings: Settings) -> dict[str, str]:
    if settings.database_url:
        url = urlparse(settings.database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/"),
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or ""),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": str(settings.db_pool_size),
            "POSTGRES_MAX_OVERFLOW": str(settings.db_pool_size),
            "POSTGRES_LOCK_TIMEOUT": "10",
            "POSTGRES_ENABLE_DB_FUNCTIONS": "y",  # with writers serialised again: `append_function`
            "CREATE_TABLE": "y",
        }
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(Path(settings.data_dir) / "events.sqlite"),
        "SQLITE_LOCK_TIMEOUT": "10",
        "CREATE_TABLE": "y",
    }


EVENT_STORE_SCHEMA_LOCK = 0x7E55E5C  # advisory lock key held while a process creates the events table
APPEND_LOCK = 0x7E55A99  # advisory lock key every append holds until it commits


def open_recorder(settings: Settings, create_table: bool = True) -> ApplicationRecorder:
    """The shared recorder, with the events table created if it is missing.

    Processes that start together (the workers of `serve --workers N`, or serve, relay and
    projector) take turns on PostgreSQL: the library's `CREATE ... IF NOT EXISTS` statements
    run at once from two sessions fail with "tuple concurrently updated". Creating the tables
    also installs the append function (`append_function`); a process opened
    with `create_table=False` relies on its parent having just done so."""
    postgres = bool(settings.database_url)
    environment = {**recorder_environment(settings),
                   "CREATE_TABLE": "y" if create_table and not postgres else "n"}
    recorder = InfrastructureFactory.construct(Environment("tessera", environment)).application_recorder()
    if not (create_table and postgres):
        return recorder
    recorder.sql_create_statements[recorder.create_insert_function_statement_index] = \
        append_function(recorder)
    recorder.sql_create_statements.append(batch_append_function(recorder))
    create_in_turn(settings, recorder)
    return recorder


def create_in_turn(settings: Settings, recorder: Any) -> None:
    """`recorder.create_table()` on PostgreSQL while holding the schema lock, so processes
    starting together take turns (the lock ends with the connection)."""
    import psycopg

    with psycopg.connect(settings.database_url, autocommit=True) as turn:
        turn.execute("SELECT pg_advisory_lock(%s)", (EVENT_STORE_SCHEMA_LOCK,))
        recorder.create_table()


SNAPSHOT_TABLES = {"postgres": "tessera_snapshots", "sqlite": "stored_snapshots"}


def open_snapshot_recorder(settings: Settings, recorder: ApplicationRecorder,
                           create_table: bool = True) -> AggregateRecorder:
    """Snapshots beside the events, on the events' own connections (no second pool).

    A snapshot is a copy of what the events already say; it is never relayed or projected,
    so `tessera replay` and `verify` do not read it, and deleting its rows only makes loads
    read whole histories again until the next snapshots are taken."""
    datastore = recorder.datastore  # type: ignore[attr-defined]
    if not settings.database_url:
        snapshots: Any = SQLiteAggregateRecorder(datastore, events_table_name=SNAPSHOT_TABLES["sqlite"])
        if create_table:
            snapshots.create_table()
        return snapshots  # type: ignore[no-any-return]
    snapshots = PostgresAggregateRecorder(datastore, events_table_name=SNAPSHOT_TABLES["postgres"])
    if create_table:
        create_in_turn(settings, snapshots)
    return snapshots  # type: ignore[no-any-return]


def append_function(recorder: Any) -> Any:
    """The library's insert function (its "db functions" mode) with writers serialised again.

    The library's default mode appends in a client-side transaction: BEGIN, lock the table,
    insert, a round trip for the ids, then COMMIT; the lock is held across both round trips
    and whatever keeps the client's thread from running (the GIL, under load). pg_stat_activity
    during a two-process checkout run found the lock holder idle in its transaction about a
    third of the time. The function does it all in one statement. Its own mode drops the lock,
    which would let a later position commit before an earlier one, and a log follower skip
    the earlier one for good: so every append still holds one lock until it commits, and
    commit order stays position order.

    That lock is an advisory one, not the library's `LOCK TABLE ... IN EXCLUSIVE MODE`: the
    table lock also conflicts with the lock VACUUM and ANALYZE hold for their whole run, so
    each autovacuum of the events table stopped every append (120 ms stalls in a 100 s
    checkout run, and an anti-wraparound vacuum of a large table is not cancelled: minutes).
    Every writer appends through this function, so the advisory lock serialises them all.
    The key is one per database: event stores in other schemas of it take turns with these
    appends too, which costs them throughput, never order."""
    from psycopg.sql import SQL, Identifier

    return SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{insert_events}(events {schema}.{event}[]) "
        "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ BEGIN"
        "    SET LOCAL lock_timeout = '{lock_timeout}s';"
        "    PERFORM pg_advisory_xact_lock({append_lock});"
        "    NOTIFY {channel};"
        "    RETURN QUERY INSERT INTO {schema}.{table} AS t (originator_id, originator_version, topic, state)"
        "    SELECT originator_id, originator_version, topic, state FROM unnest(events)"
        "    RETURNING notification_id;"
        " END; $BODY$"
    ).format(insert_events=Identifier(recorder.pg_function_name_insert_events),
             **_append_names(recorder))


def _append_names(recorder: Any) -> dict[str, Any]:
    """What the append functions' SQL names: the store's schema, table, composite type,
    NOTIFY channel, lock timeout and the append lock."""
    from psycopg.sql import Identifier, Literal

    return {"lock_timeout": recorder.datastore.lock_timeout, "append_lock": Literal(APPEND_LOCK),
            "channel": Identifier(recorder.channel_name),
            "event": Identifier(recorder.stored_event_type_name),
            "schema": Identifier(recorder.datastore.schema),
            "table": Identifier(recorder.events_table_name)}


BATCH_APPEND_FUNCTION = "tessera_append_batch"


def batch_append_function(recorder: Any) -> Any:
    """Group commit's insert: the appends of several commands, each all or nothing, in one
    statement that also says which appends found their versions already taken.

    `appends[i]` numbers the append that `events[i]` belongs to. Under the append lock no
    other writer can commit, so the versions found in the table are exactly the conflicts:
    those appends are left out and answered with no position, and the others are inserted in
    the same statement. With `append_function`, one conflicting command failed the whole
    batch's transaction; finding it cost a read per append and the others a second
    transaction, and every command of the process waited behind both. With two command
    workers selling the same 100 products that happened 314-414 times in 17 s checkout runs,
    enough to set the p99 (131-153 ms; 100-104 ms with this function)."""
    from psycopg.sql import SQL, Identifier

    return SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{function}(events {schema}.{event}[], appends int[]) "
        "RETURNS TABLE (append int, notification_id bigint) LANGUAGE plpgsql AS $BODY$"
        " #variable_conflict use_column\n BEGIN"
        "    SET LOCAL lock_timeout = '{lock_timeout}s';"
        "    PERFORM pg_advisory_xact_lock({append_lock});"
        "    NOTIFY {channel};"
        "    RETURN QUERY WITH batch AS ("
        "        SELECT e.originator_id, e.originator_version, e.topic, e.state, a.append, e.n"
        "        FROM unnest(events) WITH ORDINALITY"
        "             AS e(originator_id, originator_version, topic, state, n)"
        "        JOIN unnest(appends) WITH ORDINALITY AS a(append, n) USING (n)),"
        "    taken AS (SELECT DISTINCT b.append FROM batch b JOIN {schema}.{table} t"
        "        ON t.originator_id = b.originator_id AND t.originator_version = b.originator_version),"
        "    inserted AS (INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)"
        "        SELECT b.originator_id, b.originator_version, b.topic, b.state FROM batch b"
        "        WHERE b.append NOT IN (SELECT taken.append FROM taken) ORDER BY b.n"
        "        RETURNING {table}.originator_id, {table}.originator_version, {table}.notification_id)"
        "    SELECT b.append, i.notification_id FROM batch b LEFT JOIN inserted i"
        "        ON i.originator_id = b.originator_id AND i.originator_version = b.originator_version"
        "    ORDER BY b.n;"
        " END; $BODY$"
    ).format(function=Identifier(BATCH_APPEND_FUNCTION), **_append_names(recorder))
