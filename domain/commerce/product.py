"""Products and their stock: stock is only ever taken by an order or adjusted by an admin."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from uuid import UUID

import msgspec
from eventsourcing.domain import event

from domain.aggregate import Aggregate, Snapshot
from domain.commerce.errors import InvalidPriceError, StockShortError
from domain.errors import InvalidError

CENT = Decimal("0.01")
MAX_PRICE = Decimal("1000000000.00")


def money(amount: Decimal) -> Decimal:
    """A price as stored: 0 to 1e9 with exactly two decimals ("19.9" → "19.90")."""
    try:
        exact = amount.quantize(CENT)
    except InvalidOperation:
        raise InvalidPriceError() from None
    if exact != amount or not Decimal(0) <= exact <= MAX_PRICE:
        raise InvalidPriceError()
    return exact


class ProductState(msgspec.Struct, frozen=True):
    _created_on: datetime
    _modified_on: datetime
    name: str
    price: Decimal
    stock: int


class Product(Aggregate):
    class Snapshot(Snapshot, frozen=True, kw_only=True):
        state: ProductState

    @event("ProductCreated")
    def __init__(self, name: str, price: Decimal, stock: int) -> None:
        self.name = name
        self.price = price
        self.stock = stock

    def adjust_stock(self, delta: int) -> None:
        if delta == 0:
            raise InvalidError("Field 'delta' must not be 0", {"delta": ["must not be 0"]})
        if self.stock + delta < 0:
            raise StockShortError([f"{self.id}: cannot remove {-delta}, {self.stock} in stock"])
        self._stock_adjusted(delta, self.stock + delta)

    def reserve(self, order_id: UUID, quantity: int) -> None:
        if quantity > self.stock:
            raise StockShortError([self.shortage(quantity)])
        self._stock_reserved(order_id, quantity, self.stock - quantity)

    def shortage(self, quantity: int) -> str:
        return f"{self.id}: {quantity} requested, {self.stock} in stock"

    @event("ProductStockAdjusted")
    def _stock_adjusted(self, delta: int, stock: int) -> None:
        self.stock = stock

    @event("ProductStockReserved")
    def _stock_reserved(self, order_id: UUID, quantity: int, stock: int) -> None:
        self.stock = stock
