"""Jobs: long work done by workers, one aggregate per job, `pending → processing → done | failed`.

A worker claims a job with `JobStarted`, saved at the job's next version, so of two workers
claiming at once only one succeeds. The claim is a lease: progress events renew it, and a job
whose lease ran out (its worker died) can be claimed again, up to `MAX_ATTEMPTS`. A failed
attempt schedules a retry with exponential backoff; the last one fails the job with its error.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate
from domain.jobs.errors import JobNotClaimableError, LeaseLostError

MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 1.0
FINISHED = ("done", "failed")


class Job(Aggregate):
    kind: ClassVar[str]

    def _open(self, owner_id: UUID) -> None:
        self.owner_id = owner_id
        self.status = "pending"
        self.attempts = 0
        self.worker: str | None = None
        self.lease_until: datetime | None = None
        self.retry_at: datetime | None = None
        self.error: str | None = None
        self.result: dict[str, Any] = {}

    def claim(self, worker: str, now: datetime, lease_seconds: float) -> bool:
        """Start an attempt; False when the job was given up instead (its last worker died)."""
        if self.status in FINISHED:
            raise JobNotClaimableError(self.status)
        if self.status == "processing" and self.lease_until and self.lease_until > now:
            raise JobNotClaimableError("leased")
        if self.status == "pending" and self.retry_at and self.retry_at > now:
            raise JobNotClaimableError("retry not due")
        if self.attempts >= MAX_ATTEMPTS:
            self._failed(f"worker lost during attempt {self.attempts}; giving up")
            return False
        self._started(worker, self.attempts + 1, now + timedelta(seconds=lease_seconds))
        return True

    def check_lease(self, worker: str) -> None:
        if self.status != "processing" or self.worker != worker:
            raise LeaseLostError()

    def renew(self, worker: str, now: datetime, lease_seconds: float) -> None:
        self.check_lease(worker)
        self._lease_renewed(now + timedelta(seconds=lease_seconds))

    def complete(self, worker: str, result: dict[str, Any]) -> None:
        self.check_lease(worker)
        self._completed(result)

    def attempt_failed(self, worker: str, error: str, now: datetime, final: bool = False) -> None:
        """Retry later with backoff, or fail for good after the last attempt (or a `final` error)."""
        self.check_lease(worker)
        if final or self.attempts >= MAX_ATTEMPTS:
            self._failed(error)
        else:
            delay = BACKOFF_SECONDS * 2 ** (self.attempts - 1)
            self._retry_scheduled(error, now + timedelta(seconds=delay))

    @event("JobStarted")
    def _started(self, worker: str, attempt: int, lease_until: datetime) -> None:
        self.status, self.worker, self.attempts = "processing", worker, attempt
        self.lease_until, self.retry_at = lease_until, None

    @event("JobLeaseRenewed")
    def _lease_renewed(self, lease_until: datetime) -> None:
        self.lease_until = lease_until

    @event("JobRetryScheduled")
    def _retry_scheduled(self, error: str, retry_at: datetime) -> None:
        self.status, self.worker, self.lease_until = "pending", None, None
        self.error, self.retry_at = error, retry_at

    @event("JobCompleted")
    def _completed(self, result: dict[str, Any]) -> None:
        self.status, self.result, self.error, self.lease_until = "done", result, None, None

    @event("JobFailed")
    def _failed(self, error: str) -> None:
        self.status, self.error, self.lease_until = "failed", error, None


class Report(Job):
    """A CSV of the active users, written to object storage."""

    kind = "report"

    @event("ReportRequested")
    def __init__(self, owner_id: UUID) -> None:
        self._open(owner_id)


class Image(Job):
    """An uploaded image; its job is making the thumbnail."""

    kind = "image"

    @event("ImageUploaded")
    def __init__(self, owner_id: UUID, original_key: str, name: str, content_type: str,
                 size: int) -> None:
        self._open(owner_id)
        self.original_key, self.name = original_key, name
        self.content_type, self.size = content_type, size
