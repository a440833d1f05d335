"""Production mode under faults: nothing lost, nothing applied twice.

Commands keep flowing while Kafka stops and starts, while the projector is SIGKILLed and
restarted, and while the relay is SIGKILLed and restarted. Every accepted command must reach
the read model exactly once (a second application of a registration would break the users
table's primary key and stall the projector, so an exact count that catches up is proof).
"""
from __future__ import annotations

import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition

from infra.config import load_settings
from infra.envelope import decode_envelope
from infra.kafka import topic_for

from tests.fixtures.stack import Stack, start_production
from tests.integration.platform.production import (Traffic, eventually, read_position, register,
                                                   users_count)

FAST_FAILING_QUERIES = {"TESSERA_MIN_POSITION_WAIT": "1"}


@pytest.fixture(scope="module")
def fault_stack(postgres_cluster, kafka_broker) -> Iterator[Stack]:
    """A stack of this module's own: its processes get killed."""
    yield from start_production(postgres_cluster, kafka_broker.bootstrap, **FAST_FAILING_QUERIES)


def _all_arrive(stack: Stack, prefix: str, positions: list[int], timeout: float = 120) -> None:
    eventually(stack, lambda: read_position(stack) >= max(positions), timeout,
               f"read models at position {max(positions)}")
    assert users_count(stack, prefix) == len(positions)


def _assert_no_failed_batches(stack: Stack) -> None:
    for name, log in stack.logs.items():
        if name.startswith("projector") and log.exists():
            assert "projection batch failed" not in log.read_text(errors="replace"), stack.log_tails()


def test_a_projector_killed_mid_stream_resumes_without_double_counting(fault_stack):
    prefix = f"projkill-{uuid.uuid4().hex[:6]}"
    with Traffic(fault_stack, prefix) as traffic:
        traffic.wait_for(4)
        fault_stack.kill("projector")
        traffic.wait_for(len(traffic.positions) + 4)
        fault_stack.start("projector")
        traffic.wait_for(len(traffic.positions) + 4)
    _all_arrive(fault_stack, prefix, traffic.positions)
    _assert_no_failed_batches(fault_stack)


def test_a_relay_killed_mid_stream_loses_nothing_and_its_repeats_are_skipped(fault_stack):
    """The restarted relay also lost its saved position: it sends the whole log again."""
    prefix = f"relaykill-{uuid.uuid4().hex[:6]}"
    with Traffic(fault_stack, prefix) as traffic:
        traffic.wait_for(4)
        fault_stack.kill("relay")
        _rewind_relay(fault_stack)
        traffic.wait_for(len(traffic.positions) + 4)
        fault_stack.start("relay")
        traffic.wait_for(len(traffic.positions) + 4)
    _all_arrive(fault_stack, prefix, traffic.positions)
    _assert_no_failed_batches(fault_stack)
    assert _repeated_positions(fault_stack), "the relay should have sent events again"


def _rewind_relay(stack: Stack) -> None:
    with psycopg.connect(stack.env["TESSERA_DATABASE_URL"], autocommit=True) as conn:
        conn.execute("UPDATE relay_position SET position = 0")


def _repeated_positions(stack: Stack) -> set[int]:
    settings = load_settings(stack.env)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             consumer_timeout_ms=3000)
    topic = topic_for(settings, "identity")
    consumer.assign([TopicPartition(topic, p) for p in range(settings.kafka_partitions)])
    seen: Counter[int] = Counter(decode_envelope(r.value).position for r in consumer if r.value)
    consumer.close()
    return {position for position, times in seen.items() if times > 1}


def test_second_relay_and_projector_replicas_take_over_from_killed_ones(fault_stack):
    """Replicas: a standby relay waits on the leader lock; projectors share the partitions."""
    prefix = f"replicas-{uuid.uuid4().hex[:6]}"
    for name in ("relay", "projector"):
        fault_stack.define(f"{name}-2", [name], fault_stack.logs[name].with_name(f"{name}-2.log"))
        fault_stack.start(f"{name}-2")
    try:
        with Traffic(fault_stack, prefix) as traffic:
            traffic.wait_for(6)
            fault_stack.kill("relay")
            fault_stack.kill("projector")
            traffic.wait_for(len(traffic.positions) + 6)
        _all_arrive(fault_stack, prefix, traffic.positions)
    finally:
        for name in ("relay", "projector"):
            fault_stack.stop(f"{name}-2")
            fault_stack.start(name)
    _assert_no_failed_batches(fault_stack)


def _cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], env=stack.env,
                          capture_output=True, text=True, timeout=300)


def test_verify_after_a_replay_finds_no_difference(fault_stack):
    before = [register(fault_stack, "replayed")["position"] for _ in range(3)]
    eventually(fault_stack, lambda: read_position(fault_stack) >= max(before), 60, "caught up")
    replayed = _cli(fault_stack, "replay")
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    after = [register(fault_stack, "replayed")["position"] for _ in range(3)]
    eventually(fault_stack, lambda: read_position(fault_stack) >= max(after), 60, "caught up after replay")
    verified = _cli(fault_stack, "verify")
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    assert '"differences": {}' in verified.stdout


@contextmanager
def _own_stack(postgres_cluster, broker) -> Iterator[Stack]:
    generator = start_production(postgres_cluster, broker.bootstrap, **FAST_FAILING_QUERIES)
    try:
        yield next(generator)
    finally:
        generator.close()


def test_commands_accepted_while_kafka_is_down_all_arrive_once_it_is_back(postgres_cluster,
                                                                         own_kafka_broker):
    """Kafka stops mid-stream; the relay is even restarted during the outage."""
    prefix = f"outage-{uuid.uuid4().hex[:6]}"
    with _own_stack(postgres_cluster, own_kafka_broker) as stack:
        positions = [register(stack, prefix)["position"] for _ in range(3)]
        with Traffic(stack, prefix) as traffic:
            traffic.wait_for(2)
            own_kafka_broker.stop()
            traffic.wait_for(len(traffic.positions) + 2)
            stack.restart("relay")  # stops with a batch unacknowledged, starts with no broker
            traffic.wait_for(len(traffic.positions) + 2)
            own_kafka_broker.start()
            traffic.wait_for(len(traffic.positions) + 4)
        positions += traffic.positions
        _all_arrive(stack, prefix, positions, timeout=180)
        _assert_no_failed_batches(stack)
