"""A CSV file of contacts becoming users, batch by batch.

Each batch's progress event is saved in the same transaction as the users it created, so a
worker that dies mid-file resumes after the last saved batch: no row is applied twice.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.jobs.job import Job

MAX_REPORTED_ERRORS = 1000


class ContactsImport(Job):
    kind = "contacts_import"

    @event("ContactsImportRequested")
    def __init__(self, owner_id: UUID, file_key: str, file_name: str) -> None:
        self._open(owner_id)
        self.file_key, self.file_name = file_key, file_name
        self.rows_done = self.created = self.skipped = self.invalid = 0
        self.errors: list[dict[str, Any]] = []

    def record_batch(self, worker: str, rows_done: int, created: int, skipped: int,
                     errors: list[dict[str, Any]], now: datetime, lease_seconds: float) -> None:
        """Rows up to `rows_done` are applied: `created` new users, `skipped` existing emails."""
        self.check_lease(worker)
        room = max(0, MAX_REPORTED_ERRORS - len(self.errors))
        self._batch_imported(rows_done, created, skipped, len(errors), errors[:room],
                             now + timedelta(seconds=lease_seconds))

    @event("ContactsImportProgressed")
    def _batch_imported(self, rows_done: int, created: int, skipped: int, invalid: int,
                        errors: list[dict[str, Any]], lease_until: datetime) -> None:
        self.rows_done = rows_done
        self.created += created
        self.skipped += skipped
        self.invalid += invalid
        self.errors = [*self.errors, *errors]
        self.lease_until = lease_until
