"""The SQS bridge's two loops (CONTRACT §8), run by the command service when SQS is configured.

Outbound: follows the event store's log like the relay (not Kafka), so it works the same in
every mode and needs nothing but the store; the chosen event types go out with
SendMessageBatch, are recorded as EventSync records, and only then is the position saved.
A crash in between sends a tail again, but events already recorded are never resent.
One sender leads (a PostgreSQL advisory lock, as the relay's); other replicas stand by.

Inbound: any number of consumers; each message is applied once per event id (the store's
version check), deleted afterwards, and a malformed one goes to the dead-letter queue.
Neither loop ever stops on an error: it logs, backs off and goes on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from command_api.sync.schemas import MalformedMessage, inbound, outbound
from domain.sync.application import SyncApplication
from domain.sync.message import SentMessage
from infra.config import Settings
from infra.envelope import envelope_from_notification, event_kind
from infra.sqs import SqsQueues

log = logging.getLogger("tessera.sync")

SENDER_LOCK = 0x5E9C5
POLL_SECONDS = 0.05
BATCH = 500
POSITION_TABLE = (
    "CREATE TABLE IF NOT EXISTS sync_outbound_position "
    "(name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
)


class OutboundSender:
    def __init__(self, runtime: Any, queues: SqsQueues) -> None:
        self.runtime, self.queues = runtime, queues
        self.recorder = runtime.recorder.inner
        self.sync = runtime.app(SyncApplication)
        self.types = frozenset(
            t.strip() for t in runtime.settings.sqs_event_types.split(",") if t.strip()
        )
        self.position = 0

    def load_position(self) -> None:
        with self.runtime.store.transaction() as tx:
            tx.execute(POSITION_TABLE)
            row = tx.fetch_one("SELECT position FROM sync_outbound_position WHERE name = 'sqs'")
        self.position = int(row["position"]) if row else 0

    def step(self) -> int:
        """Send the chosen events after the position; the number of log entries passed."""
        notes = self.recorder.select_notifications(self.position, BATCH, inclusive_of_start=False)
        if not notes:
            return 0
        chosen = [envelope_from_notification(n) for n in notes if self._chosen(n.topic)]
        fresh = [outbound(e) for e in chosen if not self.sync.is_sent(e.id)]
        if fresh:
            ids = self.queues.send_batch(self.queues.outbound, [body for _, body in fresh])
            self.sync.record_sent(
                [
                    SentMessage(message, self.queues.outbound_name, message_id)
                    for (message, _), message_id in zip(fresh, ids)
                ]
            )
        self._save_position(notes[-1].id)
        return len(notes)

    def _chosen(self, topic: str) -> bool:
        kind = event_kind(topic)
        return kind.type in self.types and kind.context != "sync"

    def _save_position(self, position: int) -> None:
        with self.runtime.store.transaction() as tx:
            tx.execute(
                "INSERT INTO sync_outbound_position (name, position) VALUES ('sqs', :p) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                {"p": position},
            )
        self.position = position


class Leadership:
    """Whether this process may send: always on SQLite; the advisory lock's holder on PostgreSQL."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.database_url
        self.conn: Any = None

    def try_lead(self) -> bool:
        if not self.url:
            return True
        if self.conn is None:
            import psycopg

            self.conn = psycopg.connect(self.url, autocommit=True)
        return bool(
            self.conn.execute("SELECT pg_try_advisory_lock(%s)", (SENDER_LOCK,)).fetchone()[0]
        )

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


class SyncBridge:
    """Both loops as tasks of the command service; built by `runtime.resource(SyncBridge)`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.queues: SqsQueues | None = None
        self.leadership = Leadership(settings)
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self, runtime: Any) -> None:
        self.queues = await asyncio.to_thread(SqsQueues, self.settings)
        sender = OutboundSender(runtime, self.queues)
        self.tasks = [
            asyncio.create_task(self._send_forever(sender), name="tessera-sqs-outbound"),
            asyncio.create_task(self._consume_forever(runtime), name="tessera-sqs-inbound"),
        ]

    async def _send_forever(self, sender: OutboundSender) -> None:
        while not await asyncio.to_thread(self.leadership.try_lead):
            await asyncio.sleep(1.0)
        await _forever("outbound", sender.load_position)
        while True:
            passed = await _forever("outbound", sender.step)
            if not passed:
                await asyncio.sleep(POLL_SECONDS)

    async def _consume_forever(self, runtime: Any) -> None:
        while True:
            messages = await _forever("inbound", self.queues.receive, self.queues.inbound)
            for message in messages:
                try:
                    await self._consume(runtime, message)
                except Exception:  # left on the queue: redelivered, later dead-lettered
                    log.exception(
                        "inbound message %s failed; SQS will deliver it again",
                        message.get("MessageId"),
                    )

    async def _consume(self, runtime: Any, message: dict[str, Any]) -> None:
        body = message.get("Body", "")
        try:
            change = inbound(body)
        except MalformedMessage as error:
            log.warning(
                "malformed inbound message %s moved to the dead-letter queue: %s",
                message.get("MessageId"),
                error,
            )
            await asyncio.to_thread(self.queues.send_to_dead_letter, body, str(error))
        else:
            applied, _ = await runtime.execute(runtime.app(SyncApplication).apply_inbound, change)
            if not applied:
                log.info(
                    "inbound event %s already applied; repeat delivery ignored", change.event_id
                )
        await asyncio.to_thread(self.queues.delete, self.queues.inbound, message["ReceiptHandle"])

    async def aclose(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.queues is not None:
            self.queues.close()
        self.leadership.close()


async def _forever(loop: str, step: Any, *args: Any) -> Any:
    """Run one step (a coroutine function, or a blocking one in a thread) until it succeeds."""
    backoff = 0.1
    while True:
        try:
            if asyncio.iscoroutinefunction(step):
                return await step(*args)
            return await asyncio.to_thread(step, *args)
        except Exception:  # the bridge never stops; the step is retried
            log.exception("SQS bridge %s step failed; retrying in %.1fs", loop, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
