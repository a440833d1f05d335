"""The jobs worker (`tessera worker`, and an in-process task in embedded mode), CONTRACT §8.

Jobs reach a worker through the event stream: the `jobs` Kafka topic (a consumer group, so
each job's events go to one replica) or, embedded, the store's log followed in-process. Each
second the worker also beats (`tessera health worker`) and sweeps for due jobs; claiming and
running are `command_api.jobs.runner.Worker`'s.
"""
from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from command_api.jobs.runner import Worker
from command_api.jobs.tasks import JOB_CLASSES
from infra.config import Settings

log = logging.getLogger("tessera.worker")
FOLLOW_LIMIT = 500
RUNNABLE = ("ReportRequested", "ImageUploaded", "ContactsImportRequested", "BroadcastRequested")


def runnable_topics() -> list[str]:
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
            except Exception:  # the next round tries again; the sweep misses nothing
                log.exception("jobs worker round failed")
            await asyncio.sleep(self.poll)

    def _follow(self, after: int) -> int:
        """Offer the jobs recorded after `after`; return how far the log has been looked at.

        That is the log's head when it was read, not the last job found: the topic filter
        makes the database scan every event after `after`, so a follower that only moved on
        jobs would rescan all events since the last job, ten times a second. The store's
        notification ids follow commit order, so nothing can still appear below the head."""
        head = self.recorder.max_notification_id() or 0
        if head <= after:
            return after
        notifications = self.recorder.select_notifications(
            after, FOLLOW_LIMIT, stop=head, topics=self.topics, inclusive_of_start=False)
        for notification in notifications:
            self.worker.offer(UUID(str(notification.originator_id)))
        return notifications[-1].id if len(notifications) == FOLLOW_LIMIT else head

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


def keep_following_kafka(settings: Settings, worker: Worker, stop: threading.Event) -> None:
    """Follow the jobs topic until stopped, reconnecting with backoff; the sweep covers the gaps."""
    backoff = 0.5
    while not stop.is_set():
        try:
            follow_kafka(settings, worker, stop)
        except Exception:  # Kafka unreachable: jobs are still swept from the read model
            log.exception("jobs topic consumer failed; reconnecting in %.1fs", backoff)
            stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)


def open_runtime(settings: Settings, attempts: int = 5) -> Any:
    """The worker's runtime; creating tables can race other processes starting at once, so retry."""
    from infra.runtime import Runtime

    for attempt in range(1, attempts):
        try:
            return Runtime(settings, embedded_bus=False).open_storage()
        except Exception:  # e.g. PostgreSQL's "tuple concurrently updated"
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
        threading.Thread(target=keep_following_kafka, args=(settings, worker, stop), name="tessera-jobs-feed",
                         daemon=True).start()
    log.info("jobs worker %s started", worker.id)
    while not stop.wait(1.0):
        heartbeat.beat()
        try:
            worker.sweep()
        except Exception:  # the store may be briefly unreachable; sweep again
            log.exception("sweep failed")
    worker.close()
    runtime.store.close()
    return 0
