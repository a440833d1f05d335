"""The outbox relay (`tessera relay`): the event store's log → Kafka, in order, at least once.

The store's notification log is the outbox: a command is accepted once its events are in it,
whether Kafka is up or not. The relay follows the log (woken by the recorder's PostgreSQL
NOTIFY, with a slow poll as a safety net), produces each event's envelope (CONTRACT §7) to
`tessera.<context>`, keyed and partitioned by aggregate id, and stores how far it got in
`relay_position` only after Kafka acknowledged the whole batch. A crash or an outage makes
it send a tail of events again, never skip one; consumers drop repeats by position.

Watermarks tell consumers how far a partition is complete even when no event lands on it:
the last event to each partition in a batch carries `tessera-watermark: P` (the batch's end),
and once Kafka acknowledged the batch one `Claim` on the clock topic says, for every
partition, the last position told there, which lets a consumer extend all of them to P.
Marker records with only the header go to partitions that are behind at most once a second
(and to all of them at start): the fallback for a consumer that missed claims. One claim per
batch instead of a marker per partition per batch is what keeps the relay and the projectors
cheap under load. Each watermark also carries the batch's note (`BatchNote`: the previous
batch's end and the partitions this one wrote to), from which a projector knows when it holds
the whole batch and what its claim will say before the claim arrives. One relay works at a
time: replicas wait on a PostgreSQL advisory lock.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from infra import metrics, tracing
from infra.config import Settings
from infra.envelope import Envelope, encode_envelope, envelope_from_notification
from infra.health import Heartbeat
from infra.kafka import (
    BATCH_HEADER,
    WATERMARK_HEADER,
    BatchNote,
    Watermarks,
    clock_topic,
    contexts,
    encode_batch_note,
    encode_claim,
    partition_for,
    source_of,
    topic_for,
)
from infra.memory import freeze_startup_objects

log = logging.getLogger("tessera.relay")

LEADER_LOCK = 0x7E55E1A
DELIVERY_TIMEOUT_MS = 7 * 24 * 3600 * 1000
TopicPartition = tuple[str, int]
# A busy relay starts a batch at most this often: a batch costs about the same CPU (a log
# read, a produce request, an acknowledgement, a claim, a position write, and a projector
# transaction downstream) whether it carries one event or fifty.
STEP_INTERVAL = 0.025
RECONNECT_SECONDS = 1.0


class Interrupted(Exception):
    """Asked to stop while a batch was still unacknowledged; it will be sent again."""


class PositionStore:
    """`relay_position` and the leader lock, on one session: losing it ends the leadership
    (the relay stops relaying and competes for the lock again)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        # A lost update only makes the relay send a tail again: no fsync per batch needed.
        self.conn.execute("SET synchronous_commit = off")
        self.conn.execute("CREATE TABLE IF NOT EXISTS relay_position (name TEXT PRIMARY KEY, "
                          "position BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())")

    def try_lead(self) -> bool:
        return bool(self.conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()[0])

    def load(self) -> int:
        row = self.conn.execute("SELECT position FROM relay_position WHERE name = 'outbox'").fetchone()
        return int(row[0]) if row else 0

    def save(self, position: int) -> None:
        self.conn.execute(
            "INSERT INTO relay_position (name, position) VALUES ('outbox', %s) ON CONFLICT (name) "
            "DO UPDATE SET position = excluded.position, updated_at = now()", (position,))

    def close(self) -> None:
        self.conn.close()


class LogListener:
    """Wakes the relay on the recorder's NOTIFY (sent by every append, at commit)."""

    def __init__(self, url: str, channel: str) -> None:
        import psycopg
        from psycopg import sql

        self.conn = psycopg.connect(url, autocommit=True)
        self.conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    def wait(self, timeout: float) -> None:
        if any(True for _ in self.conn.notifies(timeout=timeout, stop_after=1)):
            for _ in self.conn.notifies(timeout=0.0):  # drain: one read of the log serves them all
                pass

    def close(self) -> None:
        self.conn.close()


class Relay:
    def __init__(self, settings: Settings, recorder: Any, producer: Any, positions: PositionStore,
                 heartbeat: Heartbeat, stop: threading.Event, batch_size: int = 1000) -> None:
        self.settings, self.recorder, self.producer = settings, recorder, producer
        self.positions, self.heartbeat, self.stop = positions, heartbeat, stop
        self.batch_size = batch_size
        self.partitions = settings.kafka_partitions
        self.marks = Watermarks([(topic_for(settings, c), p) for c in contexts()
                                 for p in range(self.partitions)])
        self.clock = clock_topic(settings)
        self.position = positions.load()
        metrics.RELAY_POSITION.set(self.position)

    def step(self) -> bool:
        """Relay the next batch and the markers due; True if there were events."""
        notes = self.recorder.select_notifications(self.position, self.batch_size, inclusive_of_start=False)
        envelopes = [envelope_from_notification(n) for n in notes]
        end = envelopes[-1].position if envelopes else self.position
        now = time.monotonic()
        targets = [(topic_for(self.settings, e.context), partition_for(e.aggregate_id, self.partitions))
                   for e in envelopes]
        markers = self.marks.due(end, now, set(targets))
        note = self._note(targets, markers) if envelopes else None
        traces = tracing.traceparents([n.state for n in notes])
        sent = self._send_events(envelopes, targets, end, traces, note)
        sent += [(tp, end, self._send(tp, None, None, end, note=note)) for tp in markers]
        if not sent:
            return False
        self._await(sent)
        self.marks.record([tp for tp, _, _ in sent], end, now)
        if envelopes:
            self._claim(end)
            self.positions.save(end)
            self.position = end
            metrics.RELAY_POSITION.set(end)
        return bool(envelopes)

    def _claim(self, end: int) -> None:
        """Sent, not awaited: the next batch's flush carries it, and a lost one only means
        consumers wait for the next claim or marker."""
        self.producer.send(self.clock, key=None, value=encode_claim(self.marks.claim(end)), partition=0,
                           headers=[])

    def _note(self, targets: list[TopicPartition], markers: list[TopicPartition]) -> bytes:
        """The batch note (`BatchNote`) that rides with each watermark of this batch."""
        touched = sorted({source_of(topic, partition) for topic, partition in [*targets, *markers]})
        return encode_batch_note(BatchNote(self.position, touched))

    def _send_events(self, envelopes: list[Envelope], targets: list[TopicPartition], end: int,
                     traces: list[str | None],
                     note: bytes | None) -> list[tuple[TopicPartition, int, Any]]:
        last = {tp: i for i, tp in enumerate(targets)}
        return [(tp, e.position,
                 self._send(tp, e, encode_envelope(e), end if last[tp] == i else None, trace, note))
                for i, (e, tp, trace) in enumerate(zip(envelopes, targets, traces))]

    def _send(self, tp: TopicPartition, envelope: Envelope | None, value: bytes | None,
              watermark: int | None, trace: str | None = None, note: bytes | None = None) -> Any:
        headers = [(WATERMARK_HEADER, str(watermark).encode())] if watermark is not None else []
        if watermark is not None and note is not None:
            headers.append((BATCH_HEADER, note))
        key = envelope.aggregate_id_text.encode() if envelope else None
        attributes = {"messaging.destination.name": tp[0]}
        with tracing.continued("relay.produce", trace, attributes) as carried:
            return self.producer.send(tp[0], key=key, value=value or b"", partition=tp[1],
                                      headers=headers + carried)

    def _await(self, sent: list[tuple[TopicPartition, int, Any]]) -> None:
        from kafka.errors import KafkaTimeoutError

        while not all(future.is_done for _, _, future in sent):
            self.heartbeat.beat()
            if self.stop.is_set():
                raise Interrupted()
            try:
                self.producer.flush(timeout=1.0)
            except KafkaTimeoutError:
                log.info("waiting for Kafka to acknowledge positions up to %d", sent[-1][1])
        failed = [(tp, position, f.exception) for tp, position, f in sent if f.failed()]
        if failed:
            warn_if_gaps(sent)
            raise failed[0][2]

    def run(self, listener: LogListener, idle_poll: float = 0.5) -> None:
        from kafka.errors import KafkaError

        backoff = 0.1
        while not self.stop.is_set():
            self.heartbeat.beat()
            started = time.monotonic()
            try:
                if self.step():
                    backoff = 0.1
                    self.stop.wait(STEP_INTERVAL - (time.monotonic() - started))
                    continue
            except KafkaError as error:
                log.warning("Kafka refused a batch (%r); resending from %d", error, self.position)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            due = self.marks.wait_seconds(self.position, time.monotonic())
            listener.wait(idle_poll if due is None else min(due, idle_poll))


def warn_if_gaps(sent: list[tuple[TopicPartition, int, Any]]) -> None:
    """An unwritten event followed by a written one on the same partition is a real gap."""
    first_failure: dict[TopicPartition, int] = {}
    for tp, position, future in sent:
        if future.failed():
            first_failure.setdefault(tp, position)
        elif tp in first_failure:
            log.error("%s:%d lost position %d but got later ones: consumers will skip it; "
                      "run `tessera replay`", tp[0], tp[1], first_failure.pop(tp))


def open_producer(settings: Settings, stop: threading.Event, heartbeat: Heartbeat) -> Any:
    """An idempotent producer; retried while Kafka is unreachable at start-up."""
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    while not stop.is_set():
        heartbeat.beat()
        try:
            return KafkaProducer(
                bootstrap_servers=settings.kafka_bootstrap.split(","), client_id="tessera-relay",
                acks="all", enable_idempotence=True, retries=2**31 - 1,
                max_in_flight_requests_per_connection=5, delivery_timeout_ms=DELIVERY_TIMEOUT_MS,
                linger_ms=1, max_block_ms=5000, reconnect_backoff_max_ms=1000, bootstrap_timeout_ms=2000,
                metrics_enabled=False)  # the client's own sensors were ~8% of the relay's CPU
        except KafkaError as error:
            log.warning("Kafka unreachable (%r); retrying", error)
            stop.wait(1.0)
    raise Interrupted()


def run(settings: Settings, args: Any) -> int:
    from infra.eventstore import open_recorder

    if not (settings.uses_postgres and settings.uses_kafka):
        log.error("the relay needs TESSERA_DATABASE_URL (PostgreSQL) and TESSERA_KAFKA_BOOTSTRAP")
        return 2
    logging.getLogger("kafka").setLevel(logging.WARNING)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port)
    heartbeat = Heartbeat(settings, "relay")
    recorder = open_recorder(settings)
    try:
        return _lead_until_stopped(settings, recorder, heartbeat, stop)
    except Interrupted:
        return 0


def _lead_until_stopped(settings: Settings, recorder: Any, heartbeat: Heartbeat,
                        stop: threading.Event) -> int:
    """Lead whenever this relay may. A PostgreSQL restart ends its session and with it the
    leader lock: it then competes for the lock again once the database is back, and goes on
    from the position stored (sending a tail again, as after a crash) instead of exiting."""
    from eventsourcing.persistence import InterfaceError, OperationalError
    from psycopg import OperationalError as ConnectionLost

    while not stop.is_set():
        try:
            return _lead(settings, recorder, heartbeat, stop)
        except (ConnectionLost, OperationalError, InterfaceError) as error:
            log.warning("lost the database (%s); leading again once it is back", str(error).strip())
            heartbeat.beat()
            stop.wait(RECONNECT_SECONDS)
    return 0


def _lead(settings: Settings, recorder: Any, heartbeat: Heartbeat, stop: threading.Event) -> int:
    positions = PositionStore(settings.database_url)
    try:
        while not positions.try_lead():
            heartbeat.beat()
            if stop.wait(1.0):
                return 0
        listener = LogListener(settings.database_url, recorder.channel_name)
        producer = open_producer(settings, stop, heartbeat)
        relay = Relay(settings, recorder, producer, positions, heartbeat, stop)
        log.info("relaying from position %d", relay.position)
        freeze_startup_objects()
        try:
            relay.run(listener)
        finally:
            producer.close(timeout=5)
            listener.close()
        return 0
    finally:
        positions.close()

