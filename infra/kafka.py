"""Kafka naming and client settings shared by the relay, the projectors and the push service."""
from __future__ import annotations

import pkgutil

import domain
from infra.config import Settings


def contexts() -> list[str]:
    """Bounded contexts: the packages under `domain/` (one topic each)."""
    return sorted(m.name for m in pkgutil.iter_modules(domain.__path__) if m.ispkg)


def topic_for(settings: Settings, context: str) -> str:
    return f"{settings.kafka_topic_prefix}.{context}"


def push_topic(settings: Settings) -> str:
    return f"{settings.kafka_topic_prefix}-push-frames"


def topic_partitions(settings: Settings, wanted: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Sources `topic:partition` of the given contexts (all contexts when none are named)."""
    names = wanted or contexts()
    return [f"{topic_for(settings, c)}:{p}" for c in names for p in range(settings.kafka_partitions)]


WATERMARK_HEADER = "tessera-watermark"


def partition_for(aggregate_id: object, partitions: int) -> int:
    """Kafka's own key hash (murmur2 of the key bytes), so any keyed producer agrees."""
    from kafka.partitioner.default import murmur2

    return (murmur2(str(aggregate_id).encode()) & 0x7FFFFFFF) % partitions


def watermark_of(headers: dict[str, bytes] | list[tuple[str, bytes]] | None) -> int:
    """The `tessera-watermark` of a record: every event up to it on this partition came before."""
    found = dict(headers or {}).get(WATERMARK_HEADER)
    return int(found) if found else 0


def app_id(settings: Settings, projections: list[str] | None = None) -> str:
    """The projector's consumer group: one per set of projections, per topic prefix."""
    suffix = "-" + "-".join(sorted(projections)) if projections else ""
    return f"{settings.kafka_topic_prefix}-projector{suffix}"
