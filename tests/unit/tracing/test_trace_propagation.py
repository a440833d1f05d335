"""One checkout's spans in-process: command → store append → relay produce → projector apply.

The relay and the projector run here with their real classes (a producer that keeps what it
is given stands in for Kafka), so the trace crosses exactly what it crosses between
processes: the stored event's JSON and the Kafka record's headers.
"""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal
from typing import Any

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from domain.commerce.application import CommerceApplication
from infra import tracing
from infra.config import load_settings
from infra.envelope import envelope_from_notification
from infra.kafka import clock_topic
from infra.relay import Relay
from infra.runtime import Runtime
from projectors.agents import Projector
from tests.fixtures.relay import Beat, KeptProducer, Positions


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    tracing.use(SimpleSpanProcessor(exporter), "test")
    yield exporter
    tracing.off()


def test_one_checkout_is_one_trace_across_store_relay_and_projector(spans, tmp_path):
    settings = load_settings({}, data_dir=tmp_path)
    runtime = Runtime(settings).open_storage()
    commerce = runtime.app(CommerceApplication)
    product = commerce.create_product("Pen", Decimal("2.50"), 5)
    spans.clear()

    async def buy() -> Any:
        return await runtime.execute(
            commerce.place_order, product.id, {product.id: 1}, actor=product.id
        )

    asyncio.run(buy())
    recorder = runtime.recorder.inner
    notes = recorder.select_notifications(0, 100)
    [order_note] = [n for n in notes if envelope_from_notification(n).type == "OrderPlaced"]
    assert "traceparent" not in envelope_from_notification(order_note).data

    producer = KeptProducer()
    relay = Relay(settings, recorder, producer, Positions(), Beat(), threading.Event())
    relay.step()
    records = [r for r in producer.records if r[3] and r[0] != clock_topic(settings)]
    with tracing.consumed("projector.apply", [headers for _, _, headers, _ in records]):
        Projector(settings, runtime.store, recorder, runtime.projections).apply(records)

    by_name: dict[str, list[Any]] = {}
    for span in spans.get_finished_spans():
        by_name.setdefault(span.name, []).append(span)
    [command] = by_name["command place_order"]
    trace_id = command.context.trace_id
    mine = [s for s in spans.get_finished_spans() if s.context.trace_id == trace_id]
    names = {s.name for s in mine}
    assert {"command place_order", "eventstore.append", "relay.produce", "projector.apply"} <= names
    produce = [s for s in mine if s.name == "relay.produce"]
    assert all(s.parent.span_id == command.context.span_id for s in produce)
    applied = [s for s in mine if s.name == "projector.apply"]
    assert {s.parent.span_id for s in applied} <= {s.context.span_id for s in produce}
    [store] = [s for s in mine if s.name == "eventstore.append"]
    assert store.parent.span_id == command.context.span_id
    runtime.store.close()


def test_tracing_off_adds_nothing(tmp_path):
    assert not tracing.enabled()
    assert tracing.stamp(b'{"a":1}') == b'{"a":1}'
    assert tracing.traceparents([b"{}"]) == [None]
    with tracing.continued("x", "00-" + "1" * 32 + "-" + "2" * 16 + "-01") as carried:
        assert carried == []
    assert tracing.current_trace_id() == "-"


def test_log_records_carry_the_request_and_trace_ids(spans):
    import logging

    from infra.web.middleware import RequestIdFilter, request_id_var

    record = logging.LogRecord("t", logging.INFO, __file__, 1, "hello", None, None)
    token = request_id_var.set("req-123")
    try:
        with tracing.span("work") as span:
            RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert record.request_id == "req-123"
    assert record.trace_id == format(span.get_span_context().trace_id, "032x")
