"""Running jobs: claim one, run its task, record how it ended; find jobs that are due.

A job runs once because a worker first claims it with `JobStarted` at the job's next version;
a second claimer gets a version conflict. A sweep over the `jobs` read model finds what the
event stream cannot deliver: retries that fell due and jobs whose worker died (lease expired).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from command_api.jobs.tasks import TASKS
from command_api.jobs.tasks.errors import PermanentJobError
from domain.acting import acting_as
from domain.jobs.application import JobsApplication
from domain.jobs.errors import LeaseLostError
from domain.jobs.job import Job
from infra import metrics
from infra.envelope import format_timestamp

log = logging.getLogger("tessera.jobs")
SWEEP_GRACE_SECONDS = 3.0
# What a job's `error` says of anything but a PermanentJobError (whose text is written for the
# job's owner): the exception's text went to clients, storage URLs and hosts included.
INTERNAL_FAILURE = "internal error; the worker's log has the details under this job's id"


class Worker:
    """Claims jobs and runs them on a bounded pool of threads."""

    def __init__(self, runtime: Any, slots: int = 4, lease_seconds: float | None = None) -> None:
        self.runtime, self.slots = runtime, slots
        self.lease_seconds = lease_seconds or runtime.settings.job_lease_seconds
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.jobs = runtime.app(JobsApplication)
        self.pool = ThreadPoolExecutor(slots, thread_name_prefix="tessera-job")
        self._running: set[UUID] = set()
        self._lock = threading.Lock()

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    @property
    def storage(self) -> Any:
        from infra.s3 import open_object_storage

        return self.runtime.resource(open_object_storage)

    @property
    def mailer(self) -> Any:
        from infra.email import Mailer

        return self.runtime.resource(Mailer.from_settings)

    def offer(self, job_id: UUID) -> bool:
        """Run the job on a free thread unless this worker runs it already or is full."""
        with self._lock:
            if job_id in self._running or len(self._running) >= self.slots:
                return False
            self._running.add(job_id)
        self.pool.submit(self._run_then_release, job_id)
        return True

    def _run_then_release(self, job_id: UUID) -> None:
        try:
            self.run_job(job_id)
        except Exception:  # the pool thread must outlive one job's bad luck
            log.exception("job %s: unexpected worker error", job_id)
        finally:
            with self._lock:
                self._running.discard(job_id)

    def run_job(self, job_id: UUID) -> str | None:
        """Claim and run one job; its final status, or None if it was not this worker's to run."""
        job = self.jobs.claim(job_id, self.id, self.now(), self.lease_seconds)
        if job is None:
            return None
        started = time.monotonic()
        metrics.JOBS.labels(job.kind, "running").inc()
        try:
            with acting_as(job.owner_id):
                return self._outcome(job, TASKS[job.kind])
        finally:
            metrics.JOBS.labels(job.kind, "running").dec()
            metrics.JOB_DURATION.labels(job.kind).observe(time.monotonic() - started)

    def _outcome(self, job: Job, task: Any) -> str:
        try:
            result = task(self, job)
            job = self.current(job)
            self.jobs.complete(job, self.id, result)
            return "done"
        except LeaseLostError:
            log.warning("job %s: another worker holds it now; stopping", job.id)
            return "lost"
        except Exception as error:  # noqa: BLE001 - recorded on the job, retried with backoff
            log.warning("job %s attempt %d failed: %r", job.id, job.attempts, error, exc_info=True)
            final = isinstance(error, PermanentJobError)
            reason = str(error) if final else INTERNAL_FAILURE
            failed = self.jobs.attempt_failed(job.id, self.id, reason[:500], self.now(), final)
            return failed.status

    def current(self, job: Job) -> Job:
        """The job as stored, still held by this worker (else LeaseLostError)."""
        stored = self.jobs.load(type(job), job.id)
        stored.check_lease(self.id)
        return stored

    def keep_alive(self, job: Job) -> Job:
        """Renew the lease once a third of it has passed; returns the job to go on with."""
        if job.lease_until and job.lease_until - self.now() > timedelta(seconds=self.lease_seconds * 2 / 3):
            return job
        self.jobs.renew(job, self.id, self.now(), self.lease_seconds)
        return job

    # -- finding work --------------------------------------------------------------------------
    def due_jobs(self) -> list[UUID]:
        """Jobs the stream did not deliver in time, retries due, and jobs whose worker died."""
        now = self.now()
        with self.runtime.store.transaction() as tx:
            rows = tx.fetch_all(
                "SELECT id FROM jobs WHERE (status = 'pending' AND ((retry_at IS NULL AND updated_at <= :grace)"
                " OR retry_at <= :now))"
                " OR (status = 'processing' AND lease_until <= :now) ORDER BY created_at LIMIT 100",
                {"now": format_timestamp(now),
                 "grace": format_timestamp(now - timedelta(seconds=SWEEP_GRACE_SECONDS))})
            self._observe_queue(tx)
        return [UUID(row["id"]) for row in rows]

    @staticmethod
    def _observe_queue(tx: Any) -> None:
        rows = tx.fetch_all("SELECT kind, count(*) AS n FROM jobs WHERE status = 'pending' GROUP BY kind")
        queued = {row["kind"]: row["n"] for row in rows}
        for kind in TASKS:
            metrics.JOBS.labels(kind, "queued").set(queued.get(kind, 0))

    def sweep(self) -> None:
        for job_id in self.due_jobs():
            self.offer(job_id)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
