"""Aggregates whose histories grow without end are snapshotted, on SQLite and PostgreSQL.

A product has an event per sale, so loading one replayed every sale it ever had: with a
million sales, the first checkout after a restart held the product's lock for seconds while
every other checkout of it waited. A user's presence has two events per visit, and every user
reconnecting after a push service's deploy loaded all of theirs. Every 500 events a snapshot is
stored beside the events, and a load reads it and the events after it.
"""
from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from eventsourcing.persistence import OperationalError

from domain.commerce.application import PRODUCT_SNAPSHOT_EVERY, CommerceApplication
from domain.commerce.product import Product
from domain.presence.application import PRESENCE_SNAPSHOT_EVERY, PresenceApplication
from domain.presence.presence import Presence
from infra.config import load_settings
from infra.runtime import Runtime

SALES = 2 * PRODUCT_SNAPSHOT_EVERY + 234


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request, tmp_path):
    environ = {}
    if request.param == "postgres":
        environ["TESSERA_DATABASE_URL"] = request.getfixturevalue("fresh_database_url")
    return load_settings(environ, data_dir=str(tmp_path))


def opened(settings) -> Runtime:
    """A process's storage and applications, as `tessera serve` opens them."""
    return Runtime(settings).open_storage()


def events_read_by(runtime: Runtime, monkeypatch) -> list[int]:
    """How many events each read of the event store returned."""
    inner, counts = runtime.recorder.inner, []
    select = inner.select_events

    def counting(*args, **kwargs):
        events = select(*args, **kwargs)
        counts.append(len(events))
        return events

    monkeypatch.setattr(inner, "select_events", counting)
    return counts


def test_a_product_loads_from_its_last_snapshot_and_the_sales_after_it(settings, monkeypatch):
    seller = opened(settings)
    commerce = seller.app(CommerceApplication)
    product = commerce.create_product("Best seller", Decimal("19.90"), 100_000)
    for _ in range(SALES):
        commerce.place_order(uuid.uuid4(), {product.id: 1})
    sold = commerce.load(Product, product.id)

    restarted = opened(settings)
    reads = events_read_by(restarted, monkeypatch)
    loaded = restarted.app(CommerceApplication).load(Product, product.id)
    assert vars(loaded) == vars(sold) and loaded.stock == 100_000 - SALES
    assert isinstance(loaded.price, Decimal) and loaded.price == Decimal("19.90")
    assert sum(reads) == SALES + 1 - 2 * PRODUCT_SNAPSHOT_EVERY  # the sales after the last snapshot

    restarted.app(CommerceApplication).place_order(uuid.uuid4(), {product.id: 5})
    assert opened(settings).app(CommerceApplication).load(Product, product.id).stock == 100_000 - SALES - 5


def test_a_snapshot_that_cannot_be_stored_does_not_fail_the_sale(settings, monkeypatch, caplog):
    commerce = opened(settings).app(CommerceApplication)
    product = commerce.create_product("Fragile", Decimal("1.00"), 10_000)

    def unavailable(*args, **kwargs):
        raise OperationalError("snapshot table unavailable")

    monkeypatch.setattr(commerce.snapshots.recorder, "insert_events", unavailable)
    for _ in range(PRODUCT_SNAPSHOT_EVERY + 1):
        commerce.place_order(uuid.uuid4(), {product.id: 1})
    assert commerce.load(Product, product.id).stock == 10_000 - PRODUCT_SNAPSHOT_EVERY - 1
    assert any(r.name == "tessera.snapshots" and r.levelno == logging.WARNING for r in caplog.records)


def test_a_presence_loads_from_its_last_snapshot_and_the_visits_after_it(settings, monkeypatch):
    presence, user_id, start = opened(settings).app(PresenceApplication), uuid.uuid4(), datetime.now(UTC)
    visits = PRESENCE_SNAPSHOT_EVERY + 60  # two transitions each: two snapshots
    for visit in range(visits):
        for online in (True, False):
            presence.settle(user_id, lambda: (online, start + timedelta(minutes=visit)))
    seen = presence.load(Presence, Presence.id_for(user_id))

    restarted = opened(settings)
    reads = events_read_by(restarted, monkeypatch)
    loaded = restarted.app(PresenceApplication).load(Presence, Presence.id_for(user_id))
    assert vars(loaded) == vars(seen) and loaded.last_seen == start + timedelta(minutes=visits - 1)
    assert sum(reads) == 1 + 2 * visits - 2 * PRESENCE_SNAPSHOT_EVERY
