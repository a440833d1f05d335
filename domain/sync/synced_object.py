"""SyncedObject: this service's copy of an object another service owns, fed by the SQS bridge."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate, stable_id


class SyncedObject(Aggregate):
    @staticmethod
    def id_for(obj_type: str, obj_id: str) -> UUID:
        return stable_id("synced_object", f"{obj_type}:{obj_id}")

    @classmethod
    def create_id(cls, obj_type: str, obj_id: str, **_: Any) -> UUID:  # type: ignore[override]
        return cls.id_for(obj_type, obj_id)

    @event("SyncedObjectCreated")
    def __init__(
        self, obj_type: str, obj_id: str, obj_data: dict[str, Any], event_id: UUID
    ) -> None:
        self.obj_type, self.obj_id, self.obj_data = obj_type, obj_id, obj_data
        self.deleted = False

    def apply(self, obj_cmd: str, obj_data: dict[str, Any], event_id: UUID) -> None:
        if obj_cmd == "delete":
            self._deleted(event_id)
        else:
            self._updated(obj_data, event_id)

    @event("SyncedObjectUpdated")
    def _updated(self, obj_data: dict[str, Any], event_id: UUID) -> None:
        self.obj_data, self.deleted = obj_data, False

    @event("SyncedObjectDeleted")
    def _deleted(self, event_id: UUID) -> None:
        self.deleted = True
