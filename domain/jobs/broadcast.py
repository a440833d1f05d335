"""A mail to every active user; each recipient's outcome is recorded (in batches of events).

A worker resuming a broadcast skips every recipient already recorded, so only mails in
flight when the previous worker died can be sent twice.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from domain.jobs.job import Job


class Broadcast(Job):
    kind = "broadcast"

    @event("BroadcastRequested")
    def __init__(self, owner_id: UUID, subject: str, body: str) -> None:
        self._open(owner_id)
        self.subject, self.body = subject, body
        self.sent = self.failed = 0
        self.recorded: set[str] = set()

    def record_deliveries(self, worker: str, sent: list[str], failed: list[dict[str, str]],
                          now: datetime, lease_seconds: float) -> None:
        self.check_lease(worker)
        self._deliveries_recorded(sent, failed, now + timedelta(seconds=lease_seconds))

    @event("BroadcastDeliveriesRecorded")
    def _deliveries_recorded(self, sent: list[str], failed: list[dict[str, str]],
                             lease_until: datetime) -> None:
        self.sent += len(sent)
        self.failed += len(failed)
        self.recorded.update(sent)
        self.recorded.update(f["email"] for f in failed)
        self.lease_until = lease_until
