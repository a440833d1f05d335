"""An event's way in production: store → relay → Kafka → faust projector → read model → clients.

Runs against the `production_stack`: PostgreSQL, a real Kafka broker, and `tessera serve`,
`tessera relay` and `tessera projector` as separate processes.
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import datetime
from types import SimpleNamespace
from uuid import UUID

import httpx
import msgspec
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from infra.config import load_settings
from infra.kafka import partition_for, push_topic, topic_for, topic_partitions
from infra.readstore import PostgresReadStore
from projectors.projection import load_projections
from query_api.push.hub import PushHub
from query_api.push.kafka_feed import KafkaPushFeed
from tests.integration.platform.production import eventually, register

ENVELOPE_FIELDS = {"id", "type", "version", "aggregate_type", "aggregate_id", "aggregate_version",
                   "position", "timestamp", "actor_id", "tenant_id", "data"}


def _settings(stack):
    return load_settings(stack.env)


class TopicReader:
    """Every partition of a topic, from its beginning or its current end, without a group."""

    def __init__(self, stack, topic: str, from_end: bool = False) -> None:
        self.stack, self.topic = stack, topic
        self.consumer = KafkaConsumer(bootstrap_servers=stack.env["TESSERA_KAFKA_BOOTSTRAP"],
                                      group_id=None, enable_auto_commit=False)
        partitions = [TopicPartition(topic, p) for p in sorted(self.consumer.partitions_for_topic(topic))]
        self.consumer.assign(partitions)
        (self.consumer.seek_to_end if from_end else self.consumer.seek_to_beginning)(*partitions)
        for tp in partitions:
            self.consumer.position(tp)
        self.records: list = []

    def until(self, wanted, timeout: float = 60) -> list:
        def found():
            for batch in self.consumer.poll(timeout_ms=200).values():
                self.records.extend(batch)
            return wanted(self.records)

        eventually(self.stack, found, timeout, f"records on {self.topic}")
        return self.records

    def close(self) -> None:
        self.consumer.close()


def test_a_command_is_on_its_context_topic_as_a_keyed_envelope(production_stack):
    answer = register(production_stack, "envelope")
    user_id = answer["user"]["id"]
    settings = _settings(production_stack)
    reader = TopicReader(production_stack, topic_for(settings, "identity"))
    try:
        records = reader.until(lambda found: any(r.key == user_id.encode() for r in found))
    finally:
        reader.close()
    record = next(r for r in records if r.key == user_id.encode())
    envelope = msgspec.json.decode(record.value)
    assert ENVELOPE_FIELDS <= set(envelope)
    assert envelope["type"] == "UserRegistered" and envelope["version"] == "v1"
    assert envelope["aggregate_type"] == "user" and envelope["aggregate_id"] == user_id
    assert envelope["aggregate_version"] == 1
    assert 0 < envelope["position"] <= answer["position"]
    assert envelope["actor_id"] is None and envelope["tenant_id"] is None
    assert envelope["data"]["email"] == answer["user"]["email"]
    assert datetime.fromisoformat(envelope["timestamp"].replace("Z", "+00:00")).tzinfo is not None
    assert UUID(envelope["id"]).version == 5
    assert record.partition == partition_for(user_id, settings.kafka_partitions)


def test_a_command_is_readable_at_its_position(production_stack):
    answer = register(production_stack, "query")
    token = production_stack.login(answer["user"]["email"], "password-123")["token"]
    with production_stack.client(token) as http:
        me = http.get("/api/v1/users/me/", headers={"X-Min-Position": str(answer["position"])})
    assert me.status_code == 200, me.text
    assert me.json()["user"]["id"] == answer["user"]["id"]
    assert int(me.headers["x-projection-position"]) >= answer["position"]


def test_the_projector_reports_each_batch_on_the_push_topic(production_stack):
    settings = _settings(production_stack)
    reader = TopicReader(production_stack, push_topic(settings), from_end=True)
    try:
        answer = register(production_stack, "push")
        partition = partition_for(answer["user"]["id"], settings.kafka_partitions)
        source = f"{topic_for(settings, 'identity')}:{partition}"

        def reported(records) -> bool:
            messages = [msgspec.json.decode(r.value) for r in records]
            return any("users" in m.get("projections", ()) and m["sources"].get(source, 0) >= answer["position"]
                       for m in messages)

        reader.until(reported)
    finally:
        reader.close()


def test_push_services_hold_a_frame_until_every_projection_has_passed_it(production_stack):
    """A push service's hub, fed from Kafka, releases a frame only after the watermark passes it."""
    settings = _settings(production_stack)
    expected = {p.name: topic_partitions(settings, p.contexts) for p in load_projections()
                if type(p).__module__.startswith("projectors.")}  # not test-only projections
    head = int(httpx.get(f"{production_stack.base_url}/health/ready/", timeout=10).json()["head"])
    frame = {"type": "probe", "channel": f"probe:{head}", "position": head + 1, "data": {}, "seq": 0}

    async def scenario() -> tuple[dict, int, int]:
        store = PostgresReadStore(settings.database_url, pool_size=2)
        runtime = SimpleNamespace(hub=PushHub(store, ordered_by_watermark=True), store=store,
                                  expected_sources=lambda: expected)
        feed = KafkaPushFeed(settings)
        await feed.start(runtime)
        try:
            subscription = runtime.hub.subscribe([frame["channel"]])
            await _until(lambda: feed.connected)
            await asyncio.to_thread(_produce, settings, {"frames": [frame]})
            await _until(lambda: runtime.hub._held)
            held_at = runtime.hub.released
            assert subscription.queue.empty()
            answer = await asyncio.to_thread(register, production_stack, "feed")
            delivered = await asyncio.wait_for(subscription.queue.get(), timeout=60)
            return delivered, held_at, answer["position"]
        finally:
            await feed.aclose()
            await store.aclose()
            store.close()

    delivered, held_at, position = asyncio.run(scenario())
    assert delivered == frame
    assert held_at < frame["position"] <= position


def test_the_relay_and_the_projector_beat_for_their_health_checks(production_stack, tmp_path):
    for service in ("relay", "projector"):
        assert _cli(production_stack.env, "health", service).returncode == 0
    elsewhere = {**production_stack.env, "TESSERA_DATA_DIR": str(tmp_path)}
    assert _cli(elsewhere, "health", "relay").returncode == 1


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], env=env, capture_output=True,
                          text=True, timeout=60)


async def _until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        await asyncio.sleep(0.02)


def _produce(settings, message: dict) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    producer.send(push_topic(settings), value=msgspec.json.encode(message)).get(timeout=30)
    producer.close()
