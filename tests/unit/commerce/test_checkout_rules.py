"""Checkout rules on the aggregates alone: all-or-nothing reservation, prices, stock."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domain.commerce.order import Order
from domain.commerce.product import Product, money
from domain.errors import InsufficientStockError, InvalidError


def test_an_order_short_on_any_line_reserves_nothing():
    pen, ink = Product("Pen", Decimal("1.50"), 5), Product("Ink", Decimal("2.00"), 1)
    with pytest.raises(InsufficientStockError) as refused:
        Order.place(uuid.uuid4(), [(pen, 2), (ink, 2)])
    assert refused.value.message == "Insufficient stock"
    assert (pen.stock, ink.stock) == (5, 1)
    assert [len(p.collect_events()) for p in (pen, ink)] == [1, 1]


def test_an_order_reserves_every_line_and_totals_them():
    pen, ink = Product("Pen", Decimal("1.50"), 5), Product("Ink", Decimal("2.00"), 1)
    order = Order.place(uuid.uuid4(), [(pen, 2), (ink, 1)])
    assert (pen.stock, ink.stock, order.total, order.status) == (3, 0, Decimal("5.00"), "confirmed")
    reserved = pen.collect_events()[-1]
    assert (type(reserved).__name__, reserved.order_id, reserved.quantity, reserved.stock) == (
        "ProductStockReserved", order.id, 2, 3)


def test_stock_never_goes_below_zero():
    product = Product("Pen", Decimal("1.00"), 2)
    with pytest.raises(InsufficientStockError):
        product.adjust_stock(-3)
    with pytest.raises(InvalidError):
        product.adjust_stock(0)
    product.adjust_stock(-2)
    assert product.stock == 0


@pytest.mark.parametrize("raw, stored", [("19.9", "19.90"), ("0", "0.00"), ("3.10", "3.10")])
def test_prices_are_stored_with_two_decimals(raw, stored):
    assert str(money(Decimal(raw))) == stored


@pytest.mark.parametrize("raw", ["1.999", "-1", "NaN", "Infinity", "1000000000.01"])
def test_prices_outside_the_rules_are_invalid(raw):
    with pytest.raises(InvalidError):
        money(Decimal(raw))
