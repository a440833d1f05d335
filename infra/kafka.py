"""Kafka naming and client settings shared by the relay, the projectors and the push service."""
from __future__ import annotations

import pkgutil
from typing import Any

import msgspec

import domain
from infra.config import Settings


def contexts() -> list[str]:
    """Bounded contexts: the packages under `domain/` (one topic each)."""
    return sorted(m.name for m in pkgutil.iter_modules(domain.__path__) if m.ispkg)


def topic_for(settings: Settings, context: str) -> str:
    return f"{settings.kafka_topic_prefix}.{context}"


def push_topic(settings: Settings) -> str:
    return f"{settings.kafka_topic_prefix}-push-frames"


def clock_topic(settings: Settings) -> str:
    """The relay's claims (`Claim`), one partition, read by every projector process."""
    return f"{settings.kafka_topic_prefix}-clock"


def source_of(topic: str, partition: int) -> str:
    """A partition's name as a source (`topic:partition`): in claims, batch notes, position
    rows and assignments alike, so the relay's words and a consumer's bookkeeping match."""
    return f"{topic}:{partition}"


def topic_partitions(settings: Settings, wanted: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Sources `topic:partition` of the given contexts (all contexts when none are named)."""
    names = wanted or contexts()
    return [source_of(topic_for(settings, c), p) for c in names for p in range(settings.kafka_partitions)]


WATERMARK_HEADER = "tessera-watermark"
BATCH_HEADER = "tessera-batch"


class Claim(msgspec.Struct, frozen=True):
    """The relay's word after Kafka acknowledged a batch, sent once on the clock topic.

    `told[source]` is the highest position the relay has written on that partition (an event
    or a watermark header). Nothing between it and `position` went to that partition, so a
    consumer that has read the partition up to `told[source]` has it complete up to
    `position`. One such record per batch replaces a marker record per partition per batch.
    """

    position: int
    told: dict[str, int]


encode_claim = msgspec.json.Encoder().encode
decode_claim = msgspec.json.Decoder(Claim).decode


class BatchNote(msgspec.Struct, frozen=True, array_like=True):
    """Beside each watermark of a relay batch: the batch's predecessor and the partitions it
    wrote to (events and markers, every topic).

    A consumer holding the claim for `after` knows, before this batch's own claim comes, what
    the claim will say: `touched` told the batch's end, every other partition what the claim
    for `after` said (nothing of this batch went there). It also knows the batch is whole
    once it read the batch's watermark on each touched partition it consumes.
    """

    after: int
    touched: list[str]


encode_batch_note = msgspec.json.Encoder().encode
_decode_batch_note = msgspec.json.Decoder(BatchNote).decode


def batch_note_of(headers: dict[str, bytes] | list[tuple[str, bytes]] | None) -> BatchNote | None:
    found = dict(headers or {}).get(BATCH_HEADER)
    return _decode_batch_note(found) if found else None


def partition_for(aggregate_id: object, partitions: int) -> int:
    """Kafka's own key hash (murmur2 of the key bytes), so any keyed producer agrees."""
    from kafka.partitioner.default import murmur2

    return (murmur2(str(aggregate_id).encode()) & 0x7FFFFFFF) % partitions


def source_of_event(settings: Settings, envelope: Any) -> str:
    """The source (`topic:partition`) the relay sends an event to, as projectors name it."""
    return source_of(topic_for(settings, envelope.context),
                     partition_for(envelope.aggregate_id, settings.kafka_partitions))


def watermark_of(headers: dict[str, bytes] | list[tuple[str, bytes]] | None) -> int:
    """The `tessera-watermark` of a record: every event up to it on this partition came before."""
    found = dict(headers or {}).get(WATERMARK_HEADER)
    return int(found) if found else 0


class Watermarks:
    """The relay's side: which partitions were told how far the log is complete, and when.

    A partition is told with a watermark header on its last event of a batch or with a
    marker record; markers to one partition are at most one per `interval` seconds. Claims
    on the clock topic carry the watermarks fast; markers are the slow fallback that works
    without them (and the first tell of every partition after the relay starts).
    """

    def __init__(self, partitions: list[tuple[str, int]], interval: float = 1.0) -> None:
        self.interval = interval
        self.told = dict.fromkeys(partitions, 0)
        self.at = dict.fromkeys(partitions, float("-inf"))

    def due(self, position: int, now: float, skip: set[tuple[str, int]]) -> list[tuple[str, int]]:
        return [tp for tp, told in self.told.items()
                if tp not in skip and told < position and now - self.at[tp] >= self.interval]

    def wait_seconds(self, position: int, now: float) -> float | None:
        pending = [self.at[tp] + self.interval - now for tp, told in self.told.items() if told < position]
        return max(0.0, min(pending)) if pending else None

    def record(self, partitions: list[tuple[str, int]], position: int, now: float) -> None:
        for tp in partitions:
            self.told[tp], self.at[tp] = position, now

    def claim(self, position: int) -> Claim:
        return Claim(position, {source_of(topic, partition): told
                                for (topic, partition), told in self.told.items() if told})


def app_id(settings: Settings, projections: list[str] | None = None) -> str:
    """The projector's consumer group: one per set of projections, per topic prefix."""
    suffix = "-" + "-".join(sorted(projections)) if projections else ""
    return f"{settings.kafka_topic_prefix}-projector{suffix}"
