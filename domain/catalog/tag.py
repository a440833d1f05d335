"""Tags label books and courses; a name is taken once, whatever its case."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate, stable_id


class Tag(Aggregate):
    @staticmethod
    def id_for(name: str) -> UUID:
        return stable_id("tag", name.strip().lower())

    @classmethod
    def create_id(cls, name: str) -> UUID:  # type: ignore[override]
        return cls.id_for(name)

    @event("TagCreated")
    def __init__(self, name: str) -> None:
        self.name = name
