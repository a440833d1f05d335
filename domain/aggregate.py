"""Base aggregate and event classes: eventsourcing's declarative aggregates with msgspec events.

Events are frozen msgspec structs, so they encode and decode without hand-written
transcodings and their fields are validated types. Event class names are part of the stored
data (`module:qualname`): name events `<Noun><PastTense>` once and never move them without
`eventsourcing.utils.register_topic`.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, get_type_hints
from uuid import UUID, uuid4, uuid5

import msgspec
from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    CanSnapshotAggregate,
    datetime_now_with_tzinfo,
)
from eventsourcing.utils import get_topic, resolve_topic

from domain.acting import current_actor, current_tenant

ENVELOPE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "actor_id", "tenant_id",
     "originator_topic", "traceparent"}
)
ID_NAMESPACE = UUID("0f5c3b9e-6d7a-4c1e-9f43-2b8e5d1a7c60")


def stable_id(kind: str, natural_key: str) -> UUID:
    """An aggregate id derived from a natural key, so a second creation conflicts in the store."""
    return uuid5(ID_NAMESPACE, f"{kind}:{natural_key}")


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True):
    originator_id: UUID
    originator_version: int
    timestamp: datetime = msgspec.field(default_factory=datetime_now_with_tzinfo)
    actor_id: UUID | None = msgspec.field(default_factory=current_actor)
    tenant_id: UUID | None = msgspec.field(default_factory=current_tenant)


class AggregateEvent(DomainEvent, CanMutateAggregate[UUID], frozen=True, kw_only=True):
    def _as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__struct_fields__}


class Aggregate(BaseAggregate[UUID]):
    @classmethod
    def create_id(cls, *_: Any, **__: Any) -> UUID:
        return uuid4()

    class Event(AggregateEvent, frozen=True, kw_only=True):
        pass

    class Created(Event, CanInitAggregate[UUID], frozen=True, kw_only=True):
        originator_topic: str


# What `vars(aggregate)` holds besides its state: the library sets these on a snapshot's copy.
_IDENTITY = ("_id", "_version", "_pending_events")


class Snapshot(DomainEvent, CanSnapshotAggregate[UUID], frozen=True, kw_only=True):
    """An aggregate's state at a version, for aggregates whose history grows without bound
    (a product has an event per sale). Subclasses type `state` as a msgspec struct of the
    aggregate's attributes, so a price comes back a Decimal and a date a datetime, as the
    events would have made them; the library's own snapshot keeps an untyped dict."""

    topic: str
    state: Any

    @classmethod
    def take(cls, aggregate: Any) -> Snapshot:
        attributes = {k: v for k, v in vars(aggregate).items() if k not in _IDENTITY}
        return cls(originator_id=aggregate.id, originator_version=aggregate.version,
                   topic=get_topic(type(aggregate)),
                   state=msgspec.convert(attributes, _state_type(cls)))

    def mutate(self, _: None) -> Any:
        aggregate = object.__new__(resolve_topic(self.topic))
        object.__setattr__(aggregate, "__dict__", {
            **msgspec.structs.asdict(self.state), "_id": self.originator_id,
            "_version": self.originator_version, "_pending_events": []})
        return aggregate


@cache
def _state_type(snapshot_class: type[Snapshot]) -> Any:
    return get_type_hints(snapshot_class)["state"]
