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
