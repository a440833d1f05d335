"""The application under threads: no oversell within one process or across two.

Two application instances over one recorder stand for two processes: each has its own
locks and aggregate cache, so only the store's version check keeps them honest.
"""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from eventsourcing.persistence import IntegrityError
from eventsourcing.popo import POPOApplicationRecorder

from domain.acting import acting_as
from domain.commerce.application import CommerceApplication
from domain.commerce.product import Product
from domain.concurrency import MAX_ATTEMPTS, KeyedLocks, serialised
from domain.errors import InsufficientStockError
from infra.eventstore import GroupCommitRecorder, MsgspecMapper


def applications(count: int) -> list[CommerceApplication]:
    recorder, mapper = GroupCommitRecorder(POPOApplicationRecorder()), MsgspecMapper()
    return [CommerceApplication(recorder, mapper) for _ in range(count)]


def buy_all(apps: list[CommerceApplication], product_id: uuid.UUID, attempts: int) -> list[str]:
    def buy(index: int) -> str:
        try:
            apps[index % len(apps)].place_order(uuid.uuid4(), {product_id: 1})
        except InsufficientStockError:
            return "short"
        except IntegrityError:
            return "conflict"
        return "placed"

    with ThreadPoolExecutor(max_workers=32) as pool:
        return list(pool.map(buy, range(attempts)))


def test_one_process_sells_exactly_the_stock_without_conflicts():
    [app] = applications(1)
    product = app.create_product("Pen", Decimal("1.00"), 25)
    outcomes = buy_all([app], product.id, 100)
    assert (outcomes.count("placed"), outcomes.count("short"), outcomes.count("conflict")) == (25, 75, 0)
    assert app.load(Product, product.id).stock == 0


def test_two_processes_never_oversell():
    apps = applications(2)
    product = apps[0].create_product("Pen", Decimal("1.00"), 40)
    outcomes = buy_all(apps, product.id, 120)
    stock = apps[1].load(Product, product.id).stock
    assert outcomes.count("placed") == 40 - stock
    assert stock == 0 or outcomes.count("conflict") > 0


def test_serialised_retries_conflicts_a_bounded_number_of_times():
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise IntegrityError("version taken")
        return "saved"

    assert serialised(KeyedLocks(), ["k"], flaky) == "saved" and len(calls) == 3

    def always_conflicting() -> str:
        calls.append(1)
        raise IntegrityError("version taken")

    calls.clear()
    with pytest.raises(IntegrityError):
        serialised(KeyedLocks(), ["k"], always_conflicting)
    assert len(calls) == MAX_ATTEMPTS


def test_keyed_locks_take_many_keys_in_one_order():
    locks = KeyedLocks(stripes=8)
    with ThreadPoolExecutor(max_workers=8) as pool:
        done = list(pool.map(lambda i: _hold(locks, ["a", "b", "c"] if i % 2 else ["c", "b", "a"]), range(200)))
    assert done == [True] * 200


def _hold(locks: KeyedLocks, keys: list[str]) -> bool:
    with locks.holding(keys):
        return True


def test_orders_placed_together_keep_their_own_actor():
    [app] = applications(1)
    product = app.create_product("Pen", Decimal("1.00"), 100)
    customers = [uuid.uuid4() for _ in range(40)]

    def buy(customer: uuid.UUID) -> uuid.UUID:
        with acting_as(customer):
            return app.place_order(customer, {product.id: 1}).order.id

    with ThreadPoolExecutor(max_workers=40) as pool:
        orders = dict(zip(pool.map(buy, customers), customers, strict=True))
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 1000)]
    placed = [e for e in events if type(e).__name__ == "OrderPlaced"]
    reserved = [e for e in events if type(e).__name__ == "ProductStockReserved"]
    assert len(placed) == len(reserved) == 40
    assert all(e.actor_id == orders[e.originator_id] == e.customer_id for e in placed)
    assert all(e.actor_id == orders[e.order_id] for e in reserved)


def test_a_refusal_first_catches_up_with_other_processes():
    seller, restocker = applications(2)
    product = seller.create_product("Pen", Decimal("1.00"), 1)
    other = seller.create_product("Ink", Decimal("1.00"), 5)
    seller.place_order(uuid.uuid4(), {product.id: 1})
    with pytest.raises(InsufficientStockError):
        seller.place_order(uuid.uuid4(), {product.id: 1})
    restocker.adjust_stock(product.id, 3)
    assert seller.place_order(uuid.uuid4(), {product.id: 2}).order.total == Decimal("2.00")
    restocker.adjust_stock(product.id, 1)
    seller.place_order(uuid.uuid4(), {product.id: 2, other.id: 1})
    assert restocker.load(Product, product.id).stock == 0


def test_a_save_on_stale_state_is_retried_from_the_store():
    first, second = applications(2)
    product = first.create_product("Pen", Decimal("1.00"), 10)
    first.place_order(uuid.uuid4(), {product.id: 1})
    second.place_order(uuid.uuid4(), {product.id: 1})
    first.place_order(uuid.uuid4(), {product.id: 1})
    assert second.adjust_stock(product.id, -7).stock == 0


def test_after_one_conflict_a_process_catches_up_before_deciding_instead_of_conflicting_again():
    first, second = applications(2)
    product = first.create_product("Pen", Decimal("1.00"), 100)
    first.place_order(uuid.uuid4(), {product.id: 1})  # cached in the first process
    conflicts = []
    save = first.save

    def counted_save(*aggregates):
        try:
            return save(*aggregates)
        except IntegrityError:
            conflicts.append(aggregates)
            raise

    first.save = counted_save  # type: ignore[method-assign]
    for _ in range(3):
        second.place_order(uuid.uuid4(), {product.id: 1})
        first.place_order(uuid.uuid4(), {product.id: 1})
    assert len(conflicts) == 1, "only the first stale save fails; then the cache follows the store"
    assert first.load(Product, product.id).stock == 93


def test_each_combined_checkout_answers_its_own_orders_position():
    """Orders combined into one save all answered the batch's last position (CONTRACT §1:
    the position of the command's own last event)."""
    recorder = GroupCommitRecorder(POPOApplicationRecorder())
    app = CommerceApplication(recorder, MsgspecMapper())
    product = app.create_product("Pen", Decimal("1.00"), 200)
    with ThreadPoolExecutor(max_workers=32) as pool:
        placed = list(pool.map(lambda _: app.place_order(uuid.uuid4(), {product.id: 1}), range(200)))
    stored = {n.originator_id: n.id for n in recorder.select_notifications(start=1, limit=10_000)}
    assert [p.position for p in placed] == [stored[p.order.id] for p in placed]
    assert len({p.position for p in placed}) == len(placed)
