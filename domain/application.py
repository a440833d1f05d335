"""The base of every context's application: one event log shared by all contexts.

Each bounded context has its own `Application` subclass (one method per command), but all of
them write to the same recorder, so the whole system has one global position (CONTRACT §1)
and one notification log for the relay and projections to follow.
"""
from __future__ import annotations

from typing import ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.aggregate import Aggregate
from domain.errors import NotFoundError

A = TypeVar("A", bound=Aggregate)


class ContextApplication(Application[UUID]):
    name = "tessera"
    env: ClassVar[dict[str, str]] = {"PERSISTENCE_MODULE": "eventsourcing.popo"}

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID]) -> None:
        self._shared_recorder = recorder
        self._shared_mapper = mapper
        super().__init__(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})

    def construct_mapper(self) -> Mapper[UUID]:
        return self._shared_mapper

    def construct_recorder(self) -> ApplicationRecorder:
        return self._shared_recorder

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
