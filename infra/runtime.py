"""Everything one process needs, built from Settings at start-up and torn down at exit.

Nothing connects at import time: `Runtime.open()` runs inside the app's lifespan (or a CLI
command). Context applications are discovered from `domain.<context>.application`, so adding
a context means adding its package, not editing a list here.
"""
from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import Any, TypeVar

import domain
from domain.acting import acting_as
from domain.application import ContextApplication
from infra import tracing
from infra.config import Settings
from infra.eventstore import (
    GroupCommitRecorder,
    MsgspecMapper,
    last_position,
    open_recorder,
    open_snapshot_recorder,
)
from infra.mail_outbox import TABLES as MAIL_OUTBOX_TABLES
from infra.readstore import open_read_store
from infra.web.idempotency import ADDED_COLUMNS as IDEMPOTENCY_COLUMNS
from infra.web.idempotency import TABLES as IDEMPOTENCY_TABLES
from projectors.clock import ProjectionClock
from projectors.follower import LogFollower
from projectors.projection import Projection, load_projections
from projectors.runtime import create_tables
from query_api.push.hub import PushHub

log = logging.getLogger("tessera.runtime")
T = TypeVar("T")
R = TypeVar("R")


def application_classes() -> list[type[ContextApplication]]:
    for module in pkgutil.iter_modules(domain.__path__):
        if module.ispkg:
            try:
                importlib.import_module(f"domain.{module.name}.application")
            except ModuleNotFoundError as missing:
                if missing.name != f"domain.{module.name}.application":
                    raise
    return _all_subclasses(ContextApplication)


def context_of(command: Callable[..., Any]) -> str:
    """The bounded context a command belongs to: `domain.<context>.application` → context."""
    owner = getattr(command, "__self__", None)
    module = type(owner).__module__ if owner is not None else getattr(command, "__module__", "")
    parts = (module or "").split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "domain" else "other"


def _all_subclasses(cls: type) -> list[Any]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


class Runtime:
    """Store, read store, applications, projections, hub and clock of one process."""

    def __init__(self, settings: Settings, *, embedded_bus: bool | None = None,
                 projection_names: list[str] | None = None) -> None:
        self.settings = settings
        self.embedded_bus = (not settings.uses_kafka) if embedded_bus is None else embedded_bus
        self.projection_names = projection_names
        self.executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="tessera-cmd")
        self.recorder: Any = None
        self.apps: dict[type, ContextApplication] = {}
        self.store: Any = None
        self.projections: list[Projection] = []
        self.hub: PushHub | None = None
        self.clock: ProjectionClock | None = None
        self.follower: LogFollower | None = None
        self._resources: dict[Callable[..., Any], Any] = {}
        # Optional integrations' problems, named by `health/ready/` without failing it.
        self.degraded_checks: dict[str, Callable[[], Awaitable[str | None]]] = {}
        self._closers: list[Callable[[], Any]] = []

    # -- lifecycle ---------------------------------------------------------------------------
    def open_storage(self, create_tables_too: bool = True) -> Runtime:
        """Connect to the event store and the read store and make sure their tables exist
        (unless a parent process just did: concurrent DDL on one table can deadlock)."""
        inner = open_recorder(self.settings, create_tables_too)
        self.recorder = GroupCommitRecorder(inner)
        snapshots = open_snapshot_recorder(self.settings, inner, create_tables_too)
        mapper = MsgspecMapper()
        self.apps = {cls: cls(self.recorder, mapper, snapshots) for cls in application_classes()}
        self.store = open_read_store(self.settings.database_url, self.settings.data_dir,
                                     pool_size=self.settings.db_pool_size)
        self.projections = load_projections(self.projection_names)
        if create_tables_too:
            create_tables(self.store, load_projections(),
                          extra=[*IDEMPOTENCY_TABLES, *MAIL_OUTBOX_TABLES], extra_columns=IDEMPOTENCY_COLUMNS)
        return self

    async def start(self) -> None:
        asyncio.get_running_loop().set_default_executor(self.executor)
        if self.recorder is None:
            await asyncio.to_thread(self.open_storage)
        self.hub = PushHub(self.store, ordered_by_watermark=not self.embedded_bus)
        if self.embedded_bus:
            self.clock = ProjectionClock()
            self.follower = LogFollower(self.recorder.inner, self.store, self.projections,
                                        self.hub, self.clock)
            await self.follower.step()
            self.follower.start()
        else:
            self.clock = ProjectionClock(self.store, expected_sources=self.expected_sources())

    async def stop(self) -> None:
        if self.follower:
            await self.follower.stop()
        for close in reversed(self._closers):
            result = close()
            if asyncio.iscoroutine(result):
                await result
        if self.store is not None:
            await self.store.aclose()
            self.store.close()
        self.executor.shutdown(wait=False, cancel_futures=True)

    def expected_sources(self) -> dict[str, list[str]]:
        """Kafka partitions each projection consumes: what its position is the minimum over."""
        from infra.kafka import topic_partitions

        return {p.name: topic_partitions(self.settings, p.contexts) for p in self.projections}

    # -- access ------------------------------------------------------------------------------
    def app(self, cls: type[T]) -> T:
        return self.apps[cls]  # type: ignore[return-value]

    def resource(self, factory: Callable[[Settings], R]) -> R:
        """A process-wide adapter (mailer, object storage, ...), built on first use."""
        return self._kept(factory, lambda: factory(self.settings))

    def part(self, factory: Callable[[Runtime], R]) -> R:
        """A process-wide part that needs the runtime itself (its read store, applications
        and resources), such as identity's mail outbox; built on first use."""
        return self._kept(factory, lambda: factory(self))

    def _kept(self, key: Callable[..., R], build: Callable[[], R]) -> R:
        """Built once per process and closed (`aclose` or `close`) when the runtime stops,
        before the stores it may use."""
        if key not in self._resources:
            resource = self._resources[key] = build()
            close = getattr(resource, "aclose", None) or getattr(resource, "close", None)
            if close:
                self._closers.append(close)
        return self._resources[key]  # type: ignore[no-any-return]

    async def execute(self, command: Callable[..., R], *args: Any, actor: Any = None,
                      tenant: Any = None) -> tuple[R, int | None]:
        """Run a command off the event loop as `actor`; return its result and last position."""

        def run() -> tuple[R, int | None]:
            with tracing.command_span(command, context_of), acting_as(actor, tenant):
                last_position.set(None)
                result = command(*args)
                return result, last_position.get()

        loop = asyncio.get_running_loop()
        result, position = await loop.run_in_executor(self.executor, copy_context().run, run)
        if position is not None and self.follower is not None:
            self.follower.wake()
        return result, position

    async def answered_position(self, position: int | None, aggregate_id: Any = None) -> int:
        """The position a command answers (CONTRACT §1: always an integer). A command that
        appended nothing (a repeat that changes nothing) answers the latest stored position of
        the aggregate it found as it wanted, or the log's head when there is none: either way a
        later `X-Min-Position` with it sees that state. It used to answer `null`."""
        if position is not None:
            return position
        if aggregate_id is not None:
            found = await asyncio.to_thread(self.recorder.last_position_of, aggregate_id)
            if found is not None:
                return int(found)
        return int(await asyncio.to_thread(self.recorder.max_notification_id) or 0)

    async def wait_for_projections(self, position: int | None, timeout: float | None = None) -> bool:
        """Read-your-writes for a command whose answer depends on a read model."""
        if position is None or self.clock is None:
            return True
        return await self.clock.wait_for(position, timeout or self.settings.min_position_wait_seconds)
