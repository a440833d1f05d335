"""What a projection is: plain code from an event to read-model writes and push frames.

A projection never commits, never tracks positions and never talks to Kafka: the runtime
calls its handlers inside one transaction per batch and records how far it got in that same
transaction, so a redelivered or replayed event is skipped, never applied twice.
Handlers must be deterministic functions of the events (use the event's timestamp, never
the clock), so a replay rebuilds exactly the live rows (`tessera verify`).
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from infra.envelope import Envelope

Handler = Callable[[Any, Envelope, "Writer"], None]


def on(*event_types: str) -> Callable[[Handler], Handler]:
    """Mark a method as the handler of the named event types (class names, e.g. OrderPlaced)."""

    def mark(method: Handler) -> Handler:
        method.__tessera_handles__ = event_types  # type: ignore[attr-defined]
        return method

    return mark


class Projection:
    """Subclass per read model; name it, list its tables, and mark handlers with `@on`."""

    name: ClassVar[str]
    contexts: ClassVar[tuple[str, ...]] = ()
    tables: ClassVar[dict[str, str]] = {}
    indexes: ClassVar[tuple[str, ...]] = ()
    # True when no handler reads the projection's own tables: a replay then drops its
    # secondary `indexes` and builds each once at the end, one sort instead of a btree insert
    # per row. A projection that reads must keep them, or each read becomes a table scan.
    write_only: ClassVar[bool] = False
    # Tables whose rows are rewritten over and over, with the share of each page PostgreSQL
    # fills on insert: the room left lets an update that changes no indexed column stay on
    # its page (HOT) instead of adding index entries.
    fillfactors: ClassVar[dict[str, int]] = {}
    registry: ClassVar[dict[str, type[Projection]]] = {}
    _handlers: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers = {}
        for attr, value in vars(cls).items():
            for event_type in getattr(value, "__tessera_handles__", ()):
                handlers[event_type] = attr
        cls._handlers = {**getattr(cls, "_handlers", {}), **handlers}
        if "name" in cls.__dict__:
            Projection.registry[cls.name] = cls

    def handles(self, envelope: Envelope) -> bool:
        return envelope.type in self._handlers and (
            not self.contexts or envelope.context in self.contexts
        )

    def apply(self, envelope: Envelope, writer: Writer) -> None:
        getattr(self, self._handlers[envelope.type])(envelope, writer)

    def after_batch(self, writer: Writer) -> None:
        """Called once per batch after its events, in replays too (`writer.pushing` is then False).

        For writes and frames that sum a batch up: state a handler kept in
        `writer.batch_state` (which dies with a failed batch) becomes one upsert per row and
        one snapshot frame instead of one per event.
        """

    def index_names(self) -> list[str]:
        return [_INDEX_NAME.search(ddl).group(1) for ddl in self.indexes]  # type: ignore[union-attr]

    def ddl(self, dialect: str) -> list[str]:
        statements = [sql_for(dialect, ddl) + self._storage(dialect, table)
                      for table, ddl in self.tables.items()]
        return statements + [sql_for(dialect, ddl) for ddl in self.indexes]

    def _storage(self, dialect: str, table: str) -> str:
        fillfactor = self.fillfactors.get(table)
        return f" WITH (fillfactor = {fillfactor})" if dialect == "postgres" and fillfactor else ""


_INDEX_NAME = re.compile(r"INDEX IF NOT EXISTS (\w+)")


def sql_for(dialect: str, ddl: str) -> str:
    """Portable DDL: `BIGSERIAL`-free, `JSON` stored as text; only id types differ. SQLite
    compares text by code point already and knows no collation "C"."""
    if dialect == "sqlite":
        return ddl.replace("BIGINT", "INTEGER").replace("BOOLEAN", "INTEGER").replace(
            "TIMESTAMPTZ", "TEXT"
        ).replace(' COLLATE "C"', "")
    return ddl


class Writer:
    """The projection's side of a batch transaction: buffered writes plus push frames.

    Writes wait until a read or the end of the batch and then go together (one pipeline on
    PostgreSQL); consecutive writes with the same SQL become one `executemany`, which is
    what makes a replay fast. A read flushes first, so a handler always reads its own writes.
    """

    def __init__(self, tx: Any) -> None:
        self.tx = tx
        self.dialect = tx.dialect
        self.position = 0
        self.frames: list[dict[str, Any]] = []
        self.pushing = True
        self.batch_state: dict[str, Any] = {}
        self._writes: list[tuple[str, list[dict[str, Any]]]] = []

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        if self._writes and self._writes[-1][0] == sql:
            self._writes[-1][1].append(params or {})
        else:
            self._writes.append((sql, [params or {}]))

    def flush(self) -> None:
        writes, self._writes = self._writes, []
        if writes:
            self.tx.write_all(writes)

    def fetch_one(self, sql: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        rows = self.fetch_all(sql, params)
        return rows[0] if rows else None

    def fetch_all(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows of a read sent together with the writes before it."""
        return self.fetch_each([(sql, params)])[0]

    def fetch_each(self, reads: list[tuple[str, dict[str, Any] | None]]) -> list[list[dict[str, Any]]]:
        """The rows of several independent reads, sent with the writes before them in one round
        trip: a handler that needs three reads waits once, not three times."""
        writes, self._writes = self._writes, []
        return self.tx.write_all(writes, reads)

    def push(self, channel: str, frame_type: str, data: dict[str, Any]) -> None:
        """Send a frame to the channel's live subscribers once this batch has committed."""
        self.frames.append(
            {"type": frame_type, "channel": channel, "position": self.position, "data": data}
        )


def values_of(names: Sequence[str], rows: Sequence[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """`(:a0, :b0), (:a1, :b1), ...` for rows given as dicts keyed by `names`, and its
    parameters: many rows in one statement (`INSERT ... VALUES`, `WITH t AS (VALUES ...)`)."""
    params: dict[str, Any] = {}
    values = []
    for i, row in enumerate(rows):
        for name in names:
            params[f"{name}{i}"] = row[name]
        values.append("(" + ", ".join(f":{name}{i}" for name in names) + ")")
    return ", ".join(values), params


class UnknownProjectionError(ValueError):
    """A projection name (`--projection`) that no `projectors.*_view` module defines."""


def load_projections(names: list[str] | None = None) -> list[Projection]:
    """Import every `projectors.<context>.*_view` module and instantiate its projections."""
    import projectors

    for module in pkgutil.walk_packages(projectors.__path__, "projectors."):
        if module.name.endswith("_view"):
            importlib.import_module(module.name)
    chosen = names or sorted(Projection.registry)
    unknown = [n for n in chosen if n not in Projection.registry]
    if unknown:
        raise UnknownProjectionError(f"unknown projection(s): {', '.join(unknown)}; "
                                     f"known: {', '.join(sorted(Projection.registry))}")
    return [Projection.registry[name]() for name in chosen]
