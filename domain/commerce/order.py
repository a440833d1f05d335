"""Orders: placed all at once, after every product has had its stock reserved."""
from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import msgspec
from eventsourcing.domain import event

from domain.aggregate import Aggregate
from domain.commerce.errors import StockShortError
from domain.commerce.product import Product


class OrderItem(msgspec.Struct, frozen=True, kw_only=True):
    product_id: UUID
    name: str
    quantity: int
    unit_price: Decimal


class Order(Aggregate):
    @event("OrderPlaced")
    def __init__(self, customer_id: UUID, items: list[OrderItem], total: Decimal) -> None:
        self.customer_id = customer_id
        self.items = items
        self.total = total
        self.status = "confirmed"

    @classmethod
    def place(cls, customer_id: UUID, lines: list[tuple[Product, int]]) -> Order:
        """Reserve every line's stock and confirm the order, or change nothing at all."""
        shortages = [product.shortage(quantity) for product, quantity in lines if quantity > product.stock]
        if shortages:
            raise StockShortError(shortages)
        items = [OrderItem(product_id=product.id, name=product.name, quantity=quantity,
                           unit_price=product.price) for product, quantity in lines]
        order = cls(customer_id, items, sum((i.unit_price * i.quantity for i in items), Decimal("0.00")))
        for product, quantity in lines:
            product.reserve(order.id, quantity)
        return order
