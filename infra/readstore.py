"""Read models' database: PostgreSQL through psycopg pools, or SQLite in embedded mode.

Projections and queries write portable SQL with `:name` parameters; this module adapts it to
each driver. Projections write synchronously inside one transaction per batch (with their
position); queries read asynchronously so the HTTP event loop never blocks on a query.

A replay holds the read models alone (`replaying`) while it swaps in the tables it built in a
shadow store (`swap_in`, `projectors.shadow`): every live projection transaction
(`transaction(live=True)`) waits until it ends, so the live positions hold still while the
replay matches them. On PostgreSQL the gate is an advisory lock (shared per live
transaction, exclusive for the swap, released if its process dies); on SQLite, whose
processes share a host, a lock file beside the database.
"""
from __future__ import annotations

import asyncio
import fcntl
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

REPLAY_LOCK = 0x7E55EB1A  # advisory lock key: shared by live projection transactions, exclusive for a replay
REPLAY_RUN_LOCK = 0x7E55EB1B  # held by a replay for its whole run: replays build in one shadow store
Row = dict[str, Any]
Params = dict[str, Any] | None
Writes = Sequence[tuple[str, Sequence[dict[str, Any]]]]
Reads = Sequence[tuple[str, Params]]

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=2048)
def to_pyformat(sql: str) -> str:
    """`:name` → `%(name)s` for psycopg; literal `%` doubled."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


_PLAIN_INSERT = re.compile(
    r"\s*INSERT INTO (\w+)\s*\(([\w\s,]+)\)\s*VALUES\s*\(((?:\s*:\w+\s*,)*\s*:\w+\s*)\)\s*", re.I)
COPY_FROM_ROWS = 16


@lru_cache(maxsize=512)
def copy_plan(sql: str) -> tuple[str, list[str]] | None:
    """For a plain `INSERT INTO t (cols) VALUES (:a, ...)` (no expressions, no ON CONFLICT):
    the equivalent `COPY t (cols) FROM STDIN` and the parameter names in column order."""
    match = _PLAIN_INSERT.fullmatch(sql)
    if match is None:
        return None
    table, columns, values = match.groups()
    names = [value.strip().lstrip(":") for value in values.split(",")]
    if len(names) != len(columns.split(",")):
        return None
    return f"COPY {table} ({columns.strip()}) FROM STDIN", names


class Tx(Protocol):
    dialect: str

    def execute(self, sql: str, params: Params = None) -> int: ...
    def executemany(self, sql: str, rows: Sequence[dict[str, Any]]) -> None: ...
    def fetch_one(self, sql: str, params: Params = None) -> Row | None: ...
    def fetch_all(self, sql: str, params: Params = None) -> list[Row]: ...
    def write_all(self, groups: Writes, then_reads: Reads = ()) -> list[list[Row]]: ...


class ReadStore(Protocol):
    dialect: str

    def transaction(self, durable: bool = True, live: bool = False) -> Any: ...
    def replaying(self) -> Any: ...
    def replaying_alone(self) -> Any: ...
    def swap_in(self, shadow: Any, tables: Sequence[str]) -> bool: ...
    def snapshot(self) -> Any: ...
    async def fetch_all(self, sql: str, params: Params = None) -> list[Row]: ...
    async def fetch_one(self, sql: str, params: Params = None) -> Row | None: ...
    def close(self) -> None: ...


class PostgresTx:
    dialect = "postgres"

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = None) -> int:
        cursor = self.conn.execute(to_pyformat(sql), params or {})
        return cursor.rowcount

    def executemany(self, sql: str, rows: Sequence[dict[str, Any]]) -> None:
        """Many plain inserts go as one COPY (about twice as fast in replays); the rest as a
        pipelined executemany. Either way a failing row fails the whole batch."""
        plan = copy_plan(sql) if len(rows) >= COPY_FROM_ROWS else None
        if plan is not None:
            statement, names = plan
            with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row([row[name] for name in names])
        elif rows:
            with self.conn.cursor() as cursor:
                cursor.executemany(to_pyformat(sql), rows)

    def write_all(self, groups: Writes, then_reads: Reads = ()) -> list[list[Row]]:
        """Statements in order, each with its rows, then the reads (their rows, in order): the
        runs between COPY batches go in one pipeline, so a projection's writes and the reads
        that follow them cost one round trip, not one per statement."""
        pending: list[tuple[str, Sequence[dict[str, Any]]]] = []
        for sql, rows in groups:
            if len(rows) >= COPY_FROM_ROWS and copy_plan(sql) is not None:
                self._pipelined(pending)
                pending = []
                self.executemany(sql, rows)
            else:
                pending.append((sql, rows))
        return self._pipelined(pending, then_reads)

    def _pipelined(self, groups: Writes, then_reads: Reads = ()) -> list[list[Row]]:
        if len(groups) == 1 and not then_reads:
            self.executemany(*groups[0])
            return []
        if not groups and len(then_reads) <= 1:
            return [self.fetch_all(sql, params) for sql, params in then_reads]
        with self.conn.pipeline(), self.conn.cursor() as cursor:
            for sql, rows in groups:
                cursor.executemany(to_pyformat(sql), rows)
            reads = [self.conn.execute(to_pyformat(sql), params or {}) for sql, params in then_reads]
            return [read.fetchall() for read in reads]

    def fetch_one(self, sql: str, params: Params = None) -> Row | None:
        return self.conn.execute(to_pyformat(sql), params or {}).fetchone()

    def fetch_all(self, sql: str, params: Params = None) -> list[Row]:
        return self.conn.execute(to_pyformat(sql), params or {}).fetchall()


@lru_cache(maxsize=1)
def nul_free_text_dumper() -> type:
    """psycopg's text dumper, with U+0000 written as U+FFFD (the replacement character).

    PostgreSQL text cannot hold U+0000. The edge refuses it (infra/web/input_checks.py), but
    an event may still carry one (a CSV cell, a message from another service, an event older
    than the check); stored as is, its projection would fail on every retry and hold back
    every event after it. The event keeps the exact text; the read model shows U+FFFD.
    """
    from psycopg.types.string import StrDumperUnknown

    class NulFreeStrDumper(StrDumperUnknown):
        def dump(self, obj: str) -> Any:
            return (obj.replace("\x00", "\ufffd") if "\x00" in obj else obj).encode(self._encoding)

    return NulFreeStrDumper


def _without_nul(conn: Any) -> None:
    conn.adapters.register_dumper(str, nul_free_text_dumper())


async def _without_nul_async(conn: Any) -> None:
    _without_nul(conn)


class PostgresReadStore:
    dialect = "postgres"

    def __init__(self, url: str, pool_size: int = 10, schema: str | None = None) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool, ConnectionPool

        options = f"-c search_path={schema}" if schema else None
        kwargs: dict[str, Any] = {"row_factory": dict_row}
        if options:
            kwargs["options"] = options
        self.url, self.schema, self._kwargs = url, schema, kwargs
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, kwargs=kwargs,
                                   configure=_without_nul, open=True)
        self._async_kwargs = {**kwargs, "autocommit": True}  # reads only: no COMMIT round trip
        self._async_pool: AsyncConnectionPool | None = None
        self._pool_size = pool_size

    async def _apool(self) -> Any:
        if self._async_pool is None:
            from psycopg_pool import AsyncConnectionPool

            pool = AsyncConnectionPool(self.url, min_size=2, max_size=self._pool_size,
                                       kwargs=self._async_kwargs, configure=_without_nul_async, open=False)
            await pool.open()
            self._async_pool = pool
        return self._async_pool

    @contextmanager
    def transaction(self, durable: bool = True, live: bool = False) -> Iterator[PostgresTx]:
        """`durable=False` commits without waiting for the disk flush: for writes a crash may
        lose because they are restated later (a projection's floor), never for applied events.
        `live`: a batch of the live read side, which waits while a replay runs."""
        with self.pool.connection() as conn, conn.transaction():
            if live:
                conn.execute("SELECT pg_advisory_xact_lock_shared(%s)", (REPLAY_LOCK,))
            if not durable:
                conn.execute("SET LOCAL synchronous_commit TO off")
            yield PostgresTx(conn)

    @contextmanager
    def snapshot(self) -> Iterator[PostgresTx]:
        """Reads of one committed state of the read models for as long as it is open
        (REPEATABLE READ, read only); live batches go on writing meanwhile."""
        import psycopg

        with psycopg.connect(self.url, **self._kwargs) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.transaction():
                yield PostgresTx(conn)

    @contextmanager
    def replaying(self) -> Iterator[None]:
        """Hold the read models for a replay: live transactions wait until this ends."""
        with self._held(REPLAY_LOCK):
            yield

    @contextmanager
    def replaying_alone(self) -> Iterator[None]:
        """One replay at a time: a second waits until the first ends."""
        with self._held(REPLAY_RUN_LOCK):
            yield

    @contextmanager
    def _held(self, key: int) -> Iterator[None]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            yield

    def swap_in(self, shadow: PostgresReadStore, tables: Sequence[str], wait: float = 2.0) -> bool:
        """These tables replaced by the shadow store's (a schema of the same database), moved
        in one transaction with their indexes: readers see the old rows or the new ones.
        False, with nothing changed, if a table stayed locked for `wait` seconds: a long
        transaction (verify's snapshot) holds it, and every reader of the table would queue
        behind the waiting DROP until that transaction ends."""
        import psycopg

        try:
            with self.transaction() as tx:
                tx.execute(f"SET LOCAL lock_timeout = '{round(wait * 1000)}ms'")
                schema = tx.fetch_one("SELECT current_schema() AS name")["name"]  # type: ignore[index]
                for table in tables:
                    tx.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
                    tx.execute(f"ALTER TABLE {shadow.schema}.{table} SET SCHEMA {schema}")
        except psycopg.errors.LockNotAvailable:
            return False
        return True

    async def fetch_all(self, sql: str, params: Params = None) -> list[Row]:
        return await self._read(sql, params, one=False)  # type: ignore[no-any-return]

    async def fetch_one(self, sql: str, params: Params = None) -> Row | None:
        return await self._read(sql, params, one=True)  # type: ignore[no-any-return]

    async def _read(self, sql: str, params: Params, one: bool) -> Any:
        """One read; again on a fresh connection if the pooled one was dead. After a database
        restart every idle pooled connection is, and each request that drew one failed until
        the pool had replaced them all. A read is safe to repeat."""
        import psycopg

        pool = await self._apool()
        retried = False
        while True:
            async with pool.connection() as conn:
                try:
                    cursor = await conn.execute(to_pyformat(sql), params or {}, prepare=True)
                    return await (cursor.fetchone() if one else cursor.fetchall())
                except psycopg.OperationalError:
                    if retried or not conn.broken:
                        raise
            retried = True
            await pool.check()  # drop the other dead ones before drawing again

    async def aclose(self) -> None:
        if self._async_pool is not None:
            await self._async_pool.close()
            self._async_pool = None

    def close(self) -> None:
        self.pool.close()


class SqliteTx:
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = None) -> int:
        return self.conn.execute(sql, params or {}).rowcount

    def executemany(self, sql: str, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.conn.executemany(sql, rows)

    def write_all(self, groups: Writes, then_reads: Reads = ()) -> list[list[Row]]:
        for sql, rows in groups:
            self.executemany(sql, rows)
        return [self.fetch_all(sql, params) for sql, params in then_reads]

    def fetch_one(self, sql: str, params: Params = None) -> Row | None:
        row = self.conn.execute(sql, params or {}).fetchone()
        return dict(row) if row is not None else None

    def fetch_all(self, sql: str, params: Params = None) -> list[Row]:
        return [dict(row) for row in self.conn.execute(sql, params or {}).fetchall()]


class SqliteReadStore:
    """One writer connection behind a lock, one reader connection per thread (WAL mode)."""

    dialect = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.RLock()
        self._writer = self._connect()
        self._readers = threading.local()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=OFF")
        return conn

    @contextmanager
    def transaction(self, durable: bool = True, live: bool = False) -> Iterator[SqliteTx]:
        """`durable` is accepted for the protocol; the writer's own synchronous setting holds.
        `live`: a batch of the live read side, which waits while a replay runs (before it
        takes the writer, so the process's other writes go on meanwhile)."""
        with self._replay_gate(fcntl.LOCK_SH) if live else nullcontext(), self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTx(self._writer)
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

    @contextmanager
    def replaying(self) -> Iterator[None]:
        """Hold the read models for a replay: live transactions wait until this ends."""
        with self._replay_gate(fcntl.LOCK_EX):
            yield

    @contextmanager
    def replaying_alone(self) -> Iterator[None]:
        """One replay at a time: a second waits until the first ends."""
        with self._replay_gate(fcntl.LOCK_EX, "replay-run-lock"):
            yield

    def swap_in(self, shadow: SqliteReadStore, tables: Sequence[str]) -> bool:
        """These tables replaced by copies of the shadow file's, in one transaction: readers
        (WAL) see the old rows until it commits. SQLite cannot move a table between files."""
        conn = self._connect()
        try:
            conn.execute("ATTACH DATABASE ? AS shadow", (shadow.path,))
            conn.execute("BEGIN IMMEDIATE")
            try:
                for table in tables:
                    _copy_table(conn, table)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()
        return True

    @contextmanager
    def snapshot(self) -> Iterator[SqliteTx]:
        """Reads of one committed state of the read models for as long as it is open (a WAL
        read transaction: its first read fixes what it sees); live batches go on meanwhile."""
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            yield SqliteTx(conn)
            conn.execute("ROLLBACK")
        finally:
            conn.close()

    @contextmanager
    def _replay_gate(self, mode: int, name: str = "replay-lock") -> Iterator[None]:
        with open(f"{self.path}.{name}", "a+b") as gate:
            fcntl.flock(gate, mode)  # released when the file closes, or its process dies
            yield

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            conn = self._readers.conn = self._connect()
        return conn

    def _fetch_all(self, sql: str, params: Params) -> list[Row]:
        return [dict(r) for r in self._reader().execute(sql, params or {}).fetchall()]

    async def fetch_all(self, sql: str, params: Params = None) -> list[Row]:
        return await asyncio.to_thread(self._fetch_all, sql, params)

    async def fetch_one(self, sql: str, params: Params = None) -> Row | None:
        rows = await asyncio.to_thread(self._fetch_all, sql, params)
        return rows[0] if rows else None

    async def aclose(self) -> None:
        return None

    def close(self) -> None:
        self._writer.close()


def _copy_table(conn: sqlite3.Connection, table: str) -> None:
    """`main.table` dropped and made again from `shadow.table`: its DDL, rows, then indexes."""
    ddl = [row[0] for row in conn.execute(
        "SELECT sql FROM shadow.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type = 'index'",
        (table,))]
    conn.execute(f"DROP TABLE IF EXISTS main.{table}")
    conn.execute(ddl[0])
    conn.execute(f"INSERT INTO main.{table} SELECT * FROM shadow.{table}")
    for statement in ddl[1:]:
        conn.execute(statement)


def open_read_store(database_url: str | None, data_dir: Path, pool_size: int = 10,
                    schema: str | None = None, sqlite_name: str = "read.sqlite") -> Any:
    if database_url:
        return PostgresReadStore(database_url, pool_size=pool_size, schema=schema)
    return SqliteReadStore(Path(data_dir) / sqlite_name)
