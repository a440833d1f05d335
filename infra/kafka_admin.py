"""Kafka topics of CONTRACT §7, created explicitly by `tessera migrate` (never auto-created).

One topic per bounded context with `kafka_partitions` partitions, keyed by aggregate id,
plus two single-partition topics: projector frames to the push services, and the relay's
clock (`Claim`s) to the projectors.
Idempotent: existing topics are kept as they are (adding partitions to a live topic would
move aggregates to other partitions and break their order, so that is never done here).
"""
from __future__ import annotations

import logging

from infra.config import Settings
from infra.kafka import clock_topic, contexts, push_topic, topic_for

log = logging.getLogger("tessera.kafka_admin")


def wanted_topics(settings: Settings) -> dict[str, int]:
    topics = {topic_for(settings, context): settings.kafka_partitions for context in contexts()}
    topics[push_topic(settings)] = 1
    topics[clock_topic(settings)] = 1
    return topics


def create_topics(settings: Settings) -> dict[str, int]:
    """Create every missing topic; return the partition count of each wanted topic."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import TopicAlreadyExistsError, for_code

    logging.getLogger("kafka").setLevel(logging.WARNING)
    wanted = wanted_topics(settings)
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id="tessera-migrate")
    try:
        spec = {name: {"num_partitions": count, "replication_factor": 1} for name, count in wanted.items()}
        result = admin.create_topics(spec, raise_errors=False)
        for topic in result["topics"]:
            code = topic["error_code"]
            if code and for_code(code) is not TopicAlreadyExistsError:
                raise for_code(code)(f"creating topic {topic['name']}: {topic.get('error_message')}")
        admin.wait_for_topics(list(wanted))
        found = _partition_counts(admin, list(wanted))
    finally:
        admin.close()
    for name, count in found.items():
        if count < wanted[name]:
            log.warning("topic %s has %d partitions, %d configured", name, count, wanted[name])
    return found


def _partition_counts(admin: object, names: list[str]) -> dict[str, int]:
    described = admin.describe_topics(names)  # type: ignore[attr-defined]
    return {topic["name"]: len(topic["partitions"]) for topic in described}
