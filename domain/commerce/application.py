"""Commerce commands: one method each; stock changes are serialised per product.

Single-product checkouts of one product are combined: whoever holds the product's lock
places every order queued for it in one load and one save, so a product everyone buys at
once costs one transaction per batch rather than one per order.
"""
from __future__ import annotations

from decimal import Decimal
from typing import ClassVar
from uuid import UUID

import msgspec
from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.application import ContextApplication
from domain.commerce.order import Order
from domain.commerce.product import Product, money
from domain.concurrency import Combiner, KeyedLocks, Queued, retrying, serialised
from domain.errors import InsufficientStockError


class PlacedOrder(msgspec.Struct, frozen=True):
    """A confirmed order and the global position its events were stored at."""

    order: Order
    position: int | None


class CommerceApplication(ContextApplication):
    env: ClassVar[dict[str, str]] = {"PERSISTENCE_MODULE": "eventsourcing.popo",
                                     "AGGREGATE_CACHE_MAXSIZE": "10000"}

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID]) -> None:
        super().__init__(recorder, mapper)
        self.product_locks = KeyedLocks()
        self.checkouts: Combiner[tuple[UUID, int], PlacedOrder] = Combiner(self.product_locks,
                                                                           self._place_batch)

    def create_product(self, name: str, price: Decimal, stock: int) -> Product:
        product = Product(name.strip(), money(price), stock)
        self.save(product)
        return product

    def adjust_stock(self, product_id: UUID, delta: int) -> Product:
        return serialised(self.product_locks, [product_id], lambda: self._adjust(product_id, delta))

    def place_order(self, customer_id: UUID, lines: dict[UUID, int]) -> PlacedOrder:
        """`lines`: quantity by product; all are reserved and the order placed, or nothing."""
        if len(lines) == 1:
            [(product_id, quantity)] = lines.items()
            return self.checkouts.submit(product_id, (customer_id, quantity))
        return serialised(self.product_locks, lines, lambda: self._place(customer_id, lines))

    def _adjust(self, product_id: UUID, delta: int) -> Product:
        product = self.load(Product, product_id)
        product.adjust_stock(delta)
        self.save(product)
        return product

    def _place(self, customer_id: UUID, lines: dict[UUID, int]) -> PlacedOrder:
        products = [self.load(Product, product_id) for product_id in lines]
        order = Order.place(customer_id, [(product, lines[product.id]) for product in products])
        return PlacedOrder(order, self._saved_at(*products, order))

    def _place_batch(self, product_id: UUID, queued: list[Queued[tuple[UUID, int]]]
                     ) -> list[PlacedOrder | BaseException]:
        return retrying(lambda: self._try_batch(product_id, queued))

    def _try_batch(self, product_id: UUID, queued: list[Queued[tuple[UUID, int]]]
                   ) -> list[PlacedOrder | BaseException]:
        product = self.load(Product, product_id)
        outcomes: list[Order | BaseException] = []
        for command in queued:
            customer_id, quantity = command.item
            try:
                outcomes.append(command.within(Order.place, customer_id, [(product, quantity)]))
            except InsufficientStockError as short:
                outcomes.append(short)
        orders = [o for o in outcomes if isinstance(o, Order)]
        position = self._saved_at(product, *orders) if orders else None
        return [PlacedOrder(o, position) if isinstance(o, Order) else o for o in outcomes]

    def _saved_at(self, *aggregates: Product | Order) -> int | None:
        """Save atomically; the global position of the last event stored."""
        recordings = self.save(*aggregates)
        return max((r.notification.id for r in recordings), default=None)
