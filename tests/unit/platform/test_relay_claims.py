"""The relay tells partitions how far the log is complete with one claim per batch."""
from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from domain.commerce.application import CommerceApplication
from infra.config import Settings, load_settings
from infra.kafka import batch_note_of, clock_topic, decode_claim, topic_partitions, watermark_of
from infra.relay import Relay
from infra.runtime import Runtime
from projectors.clock import RelayClaims
from tests.fixtures.relay import Beat, KeptProducer, Positions


class FirstBatchRelayed(NamedTuple):
    settings: Settings
    runtime: Runtime
    commerce: CommerceApplication
    producer: KeptProducer
    relay: Relay
    first: list[tuple[str, int, Any, bytes]]


def first_batch_relayed(tmp_path: Path) -> FirstBatchRelayed:
    """A relay that sent its first batch (one product) to a producer that keeps the records."""
    settings = load_settings({}, data_dir=tmp_path)
    runtime = Runtime(settings).open_storage()
    commerce = runtime.app(CommerceApplication)
    commerce.create_product("Pen", Decimal("2.50"), 5)
    producer = KeptProducer()
    relay = Relay(settings, runtime.recorder.inner, producer, Positions(), Beat(), threading.Event())
    relay.step()
    return FirstBatchRelayed(settings, runtime, commerce, producer, relay, list(producer.records))


def test_after_the_first_batch_each_batch_costs_one_claim_not_a_marker_per_partition(tmp_path):
    settings, runtime, commerce, producer, relay, first = first_batch_relayed(tmp_path)
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


def test_each_watermark_carries_the_batch_note_that_foretells_the_batch_claim(tmp_path):
    """The note names the previous batch's end and every partition the batch wrote to; from
    the previous claim and the note a consumer computes this batch's claim exactly."""
    settings, runtime, commerce, producer, relay, first = first_batch_relayed(tmp_path)
    [first_claim] = [decode_claim(r[3]) for r in first if r[0] == clock_topic(settings)]
    for name in ("Ink", "Nib", "Pad", "Cap"):
        commerce.create_product(name, Decimal("1.00"), 5)
    producer.records.clear()
    relay.step()

    events = [r for r in producer.records if r[0] != clock_topic(settings)]
    [claim] = [decode_claim(r[3]) for r in producer.records if r[0] == clock_topic(settings)]
    noted = [(watermark_of(r[2]), batch_note_of(r[2])) for r in events if watermark_of(r[2])]
    written = sorted({f"{r[0]}:{r[1]}" for r in events})
    assert {(end, note.after, tuple(note.touched)) for end, note in noted} == {
        (claim.position, first_claim.position, tuple(written))}
    assert len(noted) == len(written)  # one per partition written: its last record
    assert all(batch_note_of(r[2]) is None for r in events if not watermark_of(r[2]))
    foretold = RelayClaims({"all": topic_partitions(settings)})
    foretold.hear(first_claim)
    foretold.hear_batch(claim.position, noted[0][1])
    assert foretold.claims[-1] == claim
    runtime.store.close()
