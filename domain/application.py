"""The base of every context's application: one event log shared by all contexts.

Each bounded context has its own `Application` subclass (one method per command), but all of
them write to the same recorder, so the whole system has one global position (CONTRACT §1)
and one notification log for the relay and projections to follow.
"""
from __future__ import annotations

import logging
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder, EventStore, Mapper

from domain.aggregate import Aggregate
from domain.errors import NotFoundError

A = TypeVar("A", bound=Aggregate)
log = logging.getLogger("tessera.snapshots")


class ContextApplication(Application[UUID]):
    name = "tessera"
    env: ClassVar[dict[str, str]] = {"PERSISTENCE_MODULE": "eventsourcing.popo"}

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID],
                 snapshots: AggregateRecorder | None = None) -> None:
        self._shared_recorder = recorder
        self._shared_mapper = mapper
        self._shared_snapshots = snapshots
        super().__init__(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})

    def construct_mapper(self) -> Mapper[UUID]:
        return self._shared_mapper

    def construct_recorder(self) -> ApplicationRecorder:
        return self._shared_recorder

    def construct_snapshot_store(self) -> EventStore[UUID]:
        """The shared snapshot table for contexts with `snapshotting_intervals`; in memory
        when none is given (an application built alone, in a unit test)."""
        if self._shared_snapshots is None:
            return super().construct_snapshot_store()
        return EventStore(mapper=self.mapper, recorder=self._shared_snapshots)

    def take_snapshot(self, aggregate_id: UUID, version: int | None = None,
                      projector_func: Any = project_aggregate) -> None:
        """Taken after a save whose events are stored: a snapshot only shortens later loads,
        so failing to store one is logged and the command still succeeds."""
        try:
            super().take_snapshot(aggregate_id, version, projector_func)
        except Exception:  # noqa: BLE001 - the command's events are durable already
            log.warning("snapshot of %s at version %s not stored", aggregate_id, version, exc_info=True)

    def load(self, aggregate_class: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        """The aggregate, or NotFoundError naming its kind (also for an id of another kind)."""

        try:
            aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFoundError(f"{aggregate_class.__name__} not found") from None
        if not isinstance(aggregate, aggregate_class):
            raise NotFoundError(f"{aggregate_class.__name__} not found")
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def kind_of(self, aggregate_id: UUID) -> str | None:
        """The class name of the aggregate stored under this id (None if there is none), read
        from its first event's topic: a context can check what another context's id names
        (a user, not a book) without importing that context's aggregates."""
        first = self.recorder.select_events(aggregate_id, limit=1)
        if not first:
            return None
        event_path = first[0].topic.partition(":")[2]
        return event_path.rpartition(".")[0].rpartition(".")[2] or None
