"""The relay tells partitions how far the log is complete with one claim per batch."""
from __future__ import annotations

import threading
from decimal import Decimal

from domain.commerce.application import CommerceApplication
from infra.config import load_settings
from infra.kafka import clock_topic, decode_claim, topic_partitions, watermark_of
from infra.relay import Relay
from infra.runtime import Runtime
from tests.fixtures.relay import Beat, KeptProducer, Positions


def test_after_the_first_batch_each_batch_costs_one_claim_not_a_marker_per_partition(tmp_path):
    settings = load_settings({}, data_dir=tmp_path)
    runtime = Runtime(settings).open_storage()
    commerce = runtime.app(CommerceApplication)
    commerce.create_product("Pen", Decimal("2.50"), 5)
    producer = KeptProducer()
    relay = Relay(settings, runtime.recorder.inner, producer, Positions(), Beat(), threading.Event())

    relay.step()
    first = list(producer.records)
    commerce.create_product("Ink", Decimal("4.00"), 5)
    producer.records.clear()
    relay.step()

    markers = [r for r in first if not r[3]]
    assert len(markers) == len(topic_partitions(settings)) - 1  # every partition told at start
    events = [r for r in producer.records if r[0] != clock_topic(settings)]
    [claim_record] = [r for r in producer.records if r[0] == clock_topic(settings)]
    assert len(events) == 1 and events[0][3]  # no markers in the second batch
    claim = decode_claim(claim_record[3])
    assert claim.position == relay.position == watermark_of(events[0][2])
    assert set(claim.told) == set(topic_partitions(settings))
    source = f"{events[0][0]}:{events[0][1]}"
    assert claim.told[source] == claim.position
    assert all(told < claim.position for s, told in claim.told.items() if s != source)
    runtime.store.close()
