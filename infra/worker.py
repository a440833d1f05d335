"""The jobs worker (`tessera worker`, and an in-process task in embedded mode), CONTRACT §8.

Jobs reach a worker through the event stream: the `jobs` Kafka topic (a consumer group, so
each job's events go to one replica) or, embedded, the store's log followed in-process. A
job runs once because a worker first claims it with `JobStarted` at the job's next version;
a second claimer gets a version conflict. A sweep over the `jobs` read model picks up what
the stream cannot: retries that fell due and jobs whose worker died (lease expired).
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.acting import acting_as
from domain.jobs.application import JobsApplication
from domain.jobs.errors import LeaseLostError
from domain.jobs.job import Job
from infra import metrics
from infra.config import Settings
from infra.envelope import format_timestamp

log = logging.getLogger("tessera.worker")
LEASE_SECONDS = 10.0
SWEEP_GRACE_SECONDS = 3.0
RUNNABLE = ("ReportRequested", "ImageUploaded", "ContactsImportRequested", "BroadcastRequested")


class PermanentJobError(Exception):
    """A job that cannot succeed by trying again (a malformed file): it fails at once."""


class Worker:
    """Claims jobs and runs them on a bounded pool of threads."""

    def __init__(self, runtime: Any, slots: int = 4, lease_seconds: float = LEASE_SECONDS) -> None:
        self.runtime, self.slots, self.lease_seconds = runtime, slots, lease_seconds
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
        except Exception:  # noqa: BLE001 - the pool thread must outlive one job's bad luck
            log.exception("job %s: unexpected worker error", job_id)
        finally:
            with self._lock:
                self._running.discard(job_id)

    def run_job(self, job_id: UUID) -> str | None:
        """Claim and run one job; its final status, or None if it was not this worker's to run."""
        from command_api.jobs.tasks import TASKS

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
            log.warning("job %s attempt %d failed: %r", job.id, job.attempts, error)
            final = isinstance(error, PermanentJobError)
            reason = str(error) if final else f"{type(error).__name__}: {error}"
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
        from command_api.jobs.tasks import TASKS

        rows = tx.fetch_all("SELECT kind, count(*) AS n FROM jobs WHERE status = 'pending' GROUP BY kind")
        queued = {row["kind"]: row["n"] for row in rows}
        for kind in TASKS:
            metrics.JOBS.labels(kind, "queued").set(queued.get(kind, 0))

    def sweep(self) -> None:
        for job_id in self.due_jobs():
            self.offer(job_id)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def runnable_topics() -> list[str]:
    from command_api.jobs.tasks import JOB_CLASSES

    return [get_topic(cls.__dict__[name]) for cls in JOB_CLASSES for name in RUNNABLE if name in cls.__dict__]


class EmbeddedWorker:
    """Embedded mode: follow the store's log in-process for new jobs, and sweep each second."""

    def __init__(self, runtime: Any, poll: float = 0.1) -> None:
        from infra.health import Heartbeat

        self.worker, self.poll = Worker(runtime), poll
        self.recorder = runtime.recorder.inner
        self.heartbeat = Heartbeat(runtime.settings, "worker")
        self.topics = runnable_topics()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="tessera-jobs-worker")

    async def _run(self) -> None:
        after = await asyncio.to_thread(self.recorder.max_notification_id) or 0
        swept = 0.0
        while True:
            try:
                after = await asyncio.to_thread(self._follow, after)
                if time.monotonic() - swept >= 1.0:
                    swept = time.monotonic()
                    self.heartbeat.beat()
                    await asyncio.to_thread(self.worker.sweep)
            except Exception:  # noqa: BLE001 - the next round tries again; the sweep misses nothing
                log.exception("jobs worker round failed")
            await asyncio.sleep(self.poll)

    def _follow(self, after: int) -> int:
        notifications = self.recorder.select_notifications(after, 500, topics=self.topics,
                                                           inclusive_of_start=False)
        for notification in notifications:
            self.worker.offer(UUID(str(notification.originator_id)))
        return notifications[-1].id if notifications else after

    async def aclose(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.worker.close()


def start_embedded(runtime: Any) -> None:
    """Start the in-process worker (from the jobs start-up hook); it stops with the runtime."""

    def build(settings: Settings) -> EmbeddedWorker:
        return EmbeddedWorker(runtime)

    runtime.resource(build).start()


def follow_kafka(settings: Settings, worker: Worker, stop: threading.Event) -> None:
    """Offer each newly requested job from the `jobs` topic (a consumer group over replicas)."""
    from kafka import KafkaConsumer

    from infra.envelope import decode_envelope
    from infra.kafka import topic_for

    consumer = KafkaConsumer(topic_for(settings, "jobs"), bootstrap_servers=settings.kafka_bootstrap.split(","),
                             group_id=f"{settings.kafka_topic_prefix}-worker", enable_auto_commit=True,
                             auto_offset_reset="earliest")
    try:
        while not stop.is_set():
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    envelope = decode_envelope(record.value) if record.value else None
                    if envelope is not None and envelope.type in RUNNABLE:
                        worker.offer(envelope.aggregate_id)
    finally:
        consumer.close()


def open_runtime(settings: Settings, attempts: int = 5) -> Any:
    """The worker's runtime; creating tables can race other processes starting at once, so retry."""
    from infra.runtime import Runtime

    for attempt in range(1, attempts):
        try:
            return Runtime(settings, embedded_bus=False).open_storage()
        except Exception:  # noqa: BLE001 - e.g. PostgreSQL's "tuple concurrently updated"
            log.warning("opening storage failed (attempt %d); retrying", attempt, exc_info=True)
            time.sleep(0.5 * attempt)
    return Runtime(settings, embedded_bus=False).open_storage()


def run(settings: Settings, args: Any) -> int:
    from infra.health import Heartbeat

    runtime = open_runtime(settings)
    worker, heartbeat, stop = Worker(runtime), Heartbeat(settings, "worker"), threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port)
    if settings.uses_kafka:
        threading.Thread(target=follow_kafka, args=(settings, worker, stop), name="tessera-jobs-feed",
                         daemon=True).start()
    log.info("jobs worker %s started", worker.id)
    while not stop.wait(1.0):
        heartbeat.beat()
        try:
            worker.sweep()
        except Exception:  # noqa: BLE001 - the store may be briefly unreachable; sweep again
            log.exception("sweep failed")
    worker.close()
    runtime.store.close()
    return 0
