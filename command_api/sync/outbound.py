"""The SQS bridge's outbound side: the store's log → the outbound queue, one sender at a time.

It follows the event store's log like the relay (not Kafka), so it works the same in every
mode and needs nothing but the store. The chosen event types go out with SendMessageBatch,
are recorded as EventSync records (a command), and only then is the position saved: a crash
in between resends nothing already recorded. One sender leads (a PostgreSQL advisory lock,
as the relay's); other replicas stand by.
"""

from __future__ import annotations

import asyncio
from typing import Any

from command_api.sync.schemas import outbound
from domain.sync.application import SyncApplication
from domain.sync.message import SentMessage, SyncMessage
from infra.config import Settings
from infra.envelope import envelope_from_notification, event_kind
from infra.sqs import SqsQueues

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

    async def step(self) -> int:
        """Send the chosen events after the position; the position reached (0: nothing new)."""
        passed, fresh = await asyncio.to_thread(self._pending)
        if fresh:
            bodies = [body for _, body in fresh]
            ids = await asyncio.to_thread(self.queues.send_batch, self.queues.outbound, bodies)
            sent = [
                SentMessage(message, self.queues.outbound_name, message_id)
                for (message, _), message_id in zip(fresh, ids)
            ]
            await self.runtime.execute(self.sync.record_sent, sent)
        if passed:
            await asyncio.to_thread(self._save_position, passed)
        return passed

    def _pending(self) -> tuple[int, list[tuple[SyncMessage, str]]]:
        """The last position read, and the chosen events not sent yet with their bodies."""
        notes = self.recorder.select_notifications(self.position, BATCH, inclusive_of_start=False)
        chosen = [envelope_from_notification(n) for n in notes if self._chosen(n.topic)]
        fresh = [outbound(e) for e in chosen if not self.sync.is_sent(e.id)]
        return (notes[-1].id if notes else 0), fresh

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
