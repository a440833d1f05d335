"""EventSync: one event crossing the SQS bridge (CONTRACT §8), outbound or inbound.

An outbound record is opened and sent together once SQS has accepted the message; the
other service's callback marks it received and processed. An inbound record is opened,
received and processed in the same save as the change it applies, so an event id can be
applied once only: a second delivery collides with the first record's stable id.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate, stable_id

OUTBOUND, INBOUND = "outbound", "inbound"


class EventSync(Aggregate):
    @staticmethod
    def id_for(direction: str, event_id: UUID) -> UUID:
        return stable_id(f"event_sync:{direction}", str(event_id))

    @classmethod
    def create_id(cls, event_id: UUID, direction: str, **_: Any) -> UUID:  # type: ignore[override]
        return cls.id_for(direction, event_id)

    @event("EventSyncOpened")
    def __init__(
        self,
        event_id: UUID,
        direction: str,
        apps: dict[str, Any],
        obj_type: str,
        obj_data: dict[str, Any],
        obj_cmd: str,
    ) -> None:
        self.event_id, self.direction, self.apps = event_id, direction, apps
        self.obj_type, self.obj_data, self.obj_cmd = obj_type, obj_data, obj_cmd
        self.sent = self.received = self.processed = False

    @event("EventSyncSent")
    def mark_sent(self, queue: str, message_id: str) -> None:
        self.sent = True

    def acknowledge(self, note: str) -> None:
        """Received, then processed; a repeated acknowledgement changes nothing."""
        if not self.received:
            self._received(note)
        if not self.processed:
            self._processed(note)

    @event("EventSyncReceived")
    def _received(self, note: str) -> None:
        self.received = True

    @event("EventSyncProcessed")
    def _processed(self, note: str) -> None:
        self.processed = True
