"""The projector worker (`tessera projector`): Kafka partitions → read models, via faust.

One faust agent gathers records from the topics of the chosen projections' contexts until
they hold whole relay batches (`RelayBatches`), groups them by source (`topic:partition`),
and hands them to `apply_batches`, which applies each event once per projection and stores
the positions in the same transaction. Records are acknowledged only after that commit; a
failing batch is retried where it is, never skipped, so redelivery after a crash is harmless
and nothing is lost.

After the commit, the batch goes to the push topic: the frames the projections emitted (in
chunks) and, last, the watermark each source reached and the floors the relay's claims
raised. Push services merge those over every projection (`position_of`) and release frames
in position order (`query_api.push`). Every projector process reads the whole clock topic
itself (no consumer group), from its end: a claim it missed is covered by the next one. A
claim the agent's batches have not used `CLAIM_GRACE` after it arrived gets a transaction
of its own, so floors rise also while no event comes for this projector's topics.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec

from infra import metrics, tracing
from infra.config import Settings
from infra.envelope import decode_envelope
from infra.kafka import (
    BatchNote,
    app_id,
    batch_note_of,
    clock_topic,
    contexts,
    decode_claim,
    push_topic,
    source_of,
    topic_for,
    topic_partitions,
    watermark_of,
)
from infra.memory import freeze_startup_objects
from projectors.clock import RelayClaims, position_of, positions_found
from projectors.projection import Projection, load_projections
from projectors.runtime import SourceBatch, apply_batches

log = logging.getLogger("tessera.projector")

BATCH_SIZE = 1000
# How long a gathering may wait for the rest of a relay batch it holds part of (`RelayBatches`).
# The rest is normally a fetch behind, a few ms; it may never come to this process (partitions
# moved to another replica, a produce that failed and is being resent).
WHOLE_BATCH_WAIT = 0.05
# A claim reaches the projector a few ms after the events of its relay batch, often after the
# agent applied them (it applies a batch once whole, and knows the claim from the batch's note
# if it heard the claim before). Applied at once, nearly every relay batch cost two
# transactions, one of them for the floors alone (35 a second at 200 chat messages/s, a fifth
# of the projector's time, and the agent's batch waited for it). Heard at once but applied
# only after this grace, the agent's batch has usually raised the floors in its own
# transaction, and the frames and floors reach the push services in one message.
# A 10 ms grace looked worse than 30 ms (fan-out p99 360 and 287 ms in two runs, 125-168 ms
# with 30 ms), though this machine's speed drifts enough that two runs only hint at it.
# The transaction of floors alone skips the commit's disk flush (`Projector.apply`).
CLAIM_GRACE = 0.03
FRAMES_PER_MESSAGE = 200
PUSH_MESSAGE_BYTES = 512 * 1024
Record = tuple[str, int, Any, bytes]
_encode = msgspec.json.Encoder().encode


class RelayBatches:
    """Records gathered until they hold whole relay batches, then applied in one transaction.

    The relay writes a batch to several partitions at once, but a fetch can return one
    partition's records before another's. Frames are released in position order across
    partitions, so a batch applied in two parts had its first part's frames held at the push
    services until the second part's transaction, a whole apply later (what held most frames
    of the chat fan-out's slowest percent). A gathering is whole when the last record of each
    partition in it carries a watermark and, for every batch note in it, each touched
    partition this process consumes was read up to that batch's end.
    """

    def __init__(self, consumed: Callable[[], set[str]]) -> None:
        self.consumed = consumed
        self.read: dict[str, int] = {}  # highest watermark read on each source, across gatherings
        self.since: float | None = None
        self.started = asyncio.Event()
        self._reset()

    def _reset(self) -> None:
        self.events: list[Any] = []
        self.records: list[Record] = []
        self.notes: list[tuple[int, BatchNote]] = []
        self.open: set[str] = set()  # sources whose last record here carries no watermark
        self.missing: dict[int, set[str]] = {}  # batch end → sources not yet read up to it
        self.mine: set[str] | None = None

    def add(self, event: Any, record: Record) -> None:
        topic, partition, headers, _ = record
        source = source_of(topic, partition)
        if not self.events:
            self.since = time.monotonic()
            self.started.set()
        self.events.append(event)
        self.records.append(record)
        watermark = watermark_of(headers)
        if not watermark:
            self.open.add(source)
            return
        self.open.discard(source)
        self.read[source] = max(self.read.get(source, 0), watermark)
        note = batch_note_of(headers)
        if note is not None:
            self.notes.append((watermark, note))
            if self.mine is None:
                self.mine = self.consumed()
            self.missing.setdefault(watermark, {s for s in note.touched if s in self.mine})
        self.missing = {end: left for end, wanted in self.missing.items()
                        if (left := {s for s in wanted if self.read.get(s, 0) < end})}

    def whole(self) -> bool:
        return bool(self.events) and not self.open and not self.missing

    def take(self) -> tuple[list[Any], list[Record], list[tuple[int, BatchNote]]]:
        taken = self.events, self.records, self.notes
        self.since = None
        self.started.clear()
        self._reset()
        return taken


def source_batches(records: list[Record]) -> list[SourceBatch]:
    """Per partition: its new events in order (repeats dropped) and the watermark reached."""
    batches: dict[str, SourceBatch] = {}
    for topic, partition, headers, value in records:
        source = source_of(topic, partition)
        batch = batches.setdefault(source, SourceBatch(source, []))
        if value:
            envelope = decode_envelope(value)
            if envelope.position > batch.watermark:  # a relay restart re-sends a tail: skip it
                batch.events.append(envelope)
        batch.watermark = max(batch.watermark, watermark_of(headers),
                              batch.events[-1].position if batch.events else 0)
    return list(batches.values())


class Projector:
    """What one batch does, off the event loop: apply it, then say what to push."""

    def __init__(self, settings: Settings, store: Any, recorder: Any, projections: list[Projection]) -> None:
        self.settings, self.store, self.recorder = settings, store, recorder
        self.projections = projections
        self.names = sorted(p.name for p in projections)
        self.topics_of = {p.name: frozenset(topic_for(settings, c) for c in p.contexts or contexts())
                          for p in projections}
        self.claims = RelayClaims({p.name: topic_partitions(settings, p.contexts) for p in projections})
        self.lock = asyncio.Lock()

    def topics(self) -> list[str]:
        return sorted(set().union(*self.topics_of.values()))

    def consumes(self, projection: Projection, source: str) -> bool:
        return source.rpartition(":")[0] in self.topics_of[projection.name]

    def hear_notes(self, notes: list[tuple[int, BatchNote]]) -> None:
        """The claims the notes of these batches foretell (`RelayClaims.hear_batch`), so the
        transaction applying a whole batch also raises the floors to its end."""
        now = time.monotonic()
        for end, note in sorted(dict(notes).items()):  # a batch's note rides on each partition
            self.claims.hear_batch(end, note, now)

    def apply(self, records: list[Record]) -> list[bytes]:
        """The push messages of this batch (none for a claims-only batch that raised nothing).

        A batch of claims alone commits without waiting for the disk: a floor only restates
        what committed batches already hold, every later claim restates it, and no Kafka
        offset is acknowledged on it, so a crash can only lower it until the next claim.
        At 200 chat messages/s, fourteen alternating runs gave a fan-out p99 of 171-388 ms
        with the flush and 125-168 ms without it, at the same CPU per message. About one
        such transaction runs a second, so its own wait does not explain that much; why it
        matters so much is not established.
        """
        batches = source_batches(records)
        try:
            frames = apply_batches(self.store, self.projections, batches, consumes=self.consumes,
                                   claims=self.claims, durable=bool(records), live=True)
        except BaseException:
            self.claims.discard()
            raise
        floors = self.claims.settle()
        if not records and not floors:
            return []
        return push_messages(frames, self.names, {b.source: b.watermark for b in batches}, floors)

    def observe(self) -> None:
        """Position and lag gauges of each projection, from what is committed."""
        with self.store.transaction() as tx:
            found = positions_found(tx)
        head = self.recorder.max_notification_id() or 0
        for projection in self.projections:
            expected = {projection.name: topic_partitions(self.settings, projection.contexts)}
            position = position_of(found, expected)
            metrics.PROJECTION_POSITION.labels(projection.name).set(position)
            metrics.PROJECTION_LAG.labels(projection.name).set(max(0, head - position))

    async def apply_until_done(self, records: list[Record]) -> list[bytes]:
        backoff = 0.05
        while True:
            try:
                return await asyncio.to_thread(self.apply, records)
            except Exception:  # noqa: BLE001 - rolled back; retried, never skipped
                log.exception("projection batch failed; retrying in %.2fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)


def push_messages(frames: list[dict[str, Any]], projections: list[str],
                  sources: dict[str, int], floors: dict[str, int] | None = None) -> list[bytes]:
    """Frames in chunks; the last message also carries the sources' watermarks and floors."""
    chunks = frame_chunks([msgspec.Raw(_encode(frame)) for frame in frames])
    messages = [_encode({"frames": chunk}) for chunk in chunks[:-1]]
    return messages + [_encode({"frames": chunks[-1], "projections": projections, "sources": sources,
                                "floors": floors or {}})]


def frame_chunks(encoded: list[msgspec.Raw]) -> list[list[msgspec.Raw]]:
    """At most FRAMES_PER_MESSAGE frames and PUSH_MESSAGE_BYTES a message (a larger frame goes
    alone: an event, and so its frame, is under 768 KiB). Chunked by count alone, a batch of
    large chat messages made a push message Kafka refused (over 1 MiB), and live clients
    missed its frames until they resumed."""
    chunks: list[list[msgspec.Raw]] = [[]]
    size = 0
    for frame in encoded:
        if chunks[-1] and (len(chunks[-1]) == FRAMES_PER_MESSAGE or size + len(frame) > PUSH_MESSAGE_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(frame)
        size += len(frame)
    return chunks


async def listen_to_claims(settings: Settings, projector: Projector, publish: Any) -> None:
    """Follow the relay's clock topic from its end; the agent's batches raise the floors."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    backoff = 0.2
    left_behind: asyncio.Task[None] | None = None
    while True:
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap.split(","),
                                    group_id=None, enable_auto_commit=False,
                                    client_id="tessera-projector-clock")
        try:
            await consumer.start()
            clock = TopicPartition(clock_topic(settings), 0)
            consumer.assign([clock])
            await consumer.seek_to_end(clock)
            backoff = 0.2
            while True:
                heard = (await consumer.getmany(clock, timeout_ms=1000)).get(clock, [])
                for record in heard:
                    projector.claims.hear(decode_claim(record.value), time.monotonic())
                if heard and (left_behind is None or left_behind.done()):
                    left_behind = asyncio.create_task(raise_floors_left_behind(projector, publish))
        except asyncio.CancelledError:
            if left_behind is not None:
                left_behind.cancel()
            raise
        except Exception as error:  # noqa: BLE001 - markers still move the floors meanwhile
            log.warning("clock topic unreadable (%r); retrying in %.1fs", error, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
        finally:
            await consumer.stop()


async def raise_floors_left_behind(projector: Projector, publish: Any) -> None:
    """A claim no agent batch has used `CLAIM_GRACE` after it arrived gets a transaction of
    its own (at most one per grace), so floors rise also while no event comes for this
    projector's topics."""
    while (since := projector.claims.oldest_heard_at()) is not None:
        due = since + CLAIM_GRACE - time.monotonic()
        if due > 0:
            await asyncio.sleep(due)
            continue
        async with projector.lock:
            if projector.claims.oldest_heard_at() == since:
                await publish(await projector.apply_until_done([]))
        await asyncio.sleep(CLAIM_GRACE)


def assigned_sources(app: Any) -> set[str]:
    """The `topic:partition` sources the consumer group gave this process now."""
    return {source_of(tp.topic, tp.partition) for tp in app.consumer.assignment()}


def buffered(stream: Any) -> bool:
    """Whether more records wait in the stream's channel: a gathering that is whole takes
    them too rather than leave them to a transaction of their own."""
    queue = getattr(stream.channel, "queue", None)
    return queue is not None and not queue.empty()


async def flush_when_overdue(gathered: RelayBatches, flush: Callable[[], Awaitable[None]]) -> None:
    """Apply a gathering that waited `WHOLE_BATCH_WAIT` for the rest of a batch as it is."""
    while True:
        await gathered.started.wait()
        since = gathered.since
        if since is None:  # not reached: `add` sets both, `take` clears both
            gathered.started.clear()
            continue
        due = since + WHOLE_BATCH_WAIT - time.monotonic()
        if due > 0:
            await asyncio.sleep(due)
        if gathered.since == since:
            try:
                await flush()
            except Exception:  # noqa: BLE001 - the agent still applies the gathering once whole
                log.exception("overdue gathering not applied; left to the agent")


def build_app(settings: Settings, projector: Projector, names: list[str] | None) -> Any:
    import faust

    from infra.health import Heartbeat

    session = settings.kafka_session_timeout
    datadir = Path(settings.data_dir) / "faust" / app_id(settings, names)
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        app_id(settings, names), broker=[f"kafka://{h}" for h in settings.kafka_bootstrap.split(",")],
        store="memory://", web_enabled=False, autodiscover=False, topic_replication_factor=1,
        topic_allow_declare=False, topic_disable_leader=True, consumer_auto_offset_reset="earliest",
        broker_session_timeout=session, broker_heartbeat_interval=session / 4,
        broker_rebalance_timeout=session, producer_acks=-1, producer_linger=0.001,
        datadir=str(datadir))
    source = app.topic(*projector.topics(), key_type=bytes, value_type=bytes,
                       key_serializer="raw", value_serializer="raw")
    push = app.topic(push_topic(settings), key_type=bytes, value_type=bytes,
                     key_serializer="raw", value_serializer="raw")
    heartbeat = Heartbeat(settings, "projector")

    async def publish(messages: list[bytes]) -> None:
        try:
            for message in messages:
                await push.send(value=message)
        except Exception as error:  # noqa: BLE001 - frames stay in push_frames for `?since=`
            log.warning("push message not sent (%r); clients catch up on resume", error)

    @app.agent(source)
    async def project(stream: Any) -> None:
        stream.enable_acks = False  # acknowledged below, once the batch's transaction committed
        gathered = RelayBatches(lambda: assigned_sources(app))

        async def flush() -> None:
            async with projector.lock:  # taken under the lock: batches apply in arrival order
                events, records, notes = gathered.take()
                if not events:
                    return
                projector.hear_notes(notes)
                with tracing.consumed("projector.apply", [e.headers for e in events]):
                    messages = await projector.apply_until_done(records)
                await publish(messages)
            for event in events:
                await stream.ack(event)

        overdue = asyncio.ensure_future(flush_when_overdue(gathered, flush))
        try:
            async for event in stream.events():
                message = event.message
                gathered.add(event, (message.topic, message.partition, event.headers, event.value))
                if len(gathered.events) >= BATCH_SIZE or (gathered.whole() and not buffered(stream)):
                    await flush()
        finally:
            overdue.cancel()

    @app.task
    async def claims() -> None:
        freeze_startup_objects()  # the app, its agents and tables are up: see infra.memory
        await listen_to_claims(settings, projector, publish)

    @app.timer(1.0)
    async def beat() -> None:
        heartbeat.beat()
        try:
            await asyncio.to_thread(projector.observe)
        except Exception as error:  # noqa: BLE001 - a raising timer crashes the whole worker
            log.warning("projection gauges not read (%s); the next beat tries again", str(error).strip())

    return app


def run(settings: Settings, args: Any) -> int:
    from faust import Worker

    from infra.eventstore import open_recorder
    from infra.readstore import open_read_store
    from projectors.runtime import create_tables

    if not (settings.uses_postgres and settings.uses_kafka):
        log.error("the projector needs TESSERA_DATABASE_URL (PostgreSQL) and TESSERA_KAFKA_BOOTSTRAP")
        return 2
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    names = getattr(args, "projection", None)
    store = open_read_store(settings.database_url, settings.data_dir, pool_size=4)
    projections = load_projections(names)
    create_tables(store, projections)
    projector = Projector(settings, store, open_recorder(settings), projections)
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port)
    log.info("projecting %s from %s", ", ".join(projector.names), ", ".join(projector.topics()))
    Worker(build_app(settings, projector, names), loglevel="INFO").execute_from_commandline()
    return 0

