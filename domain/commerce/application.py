"""Commerce commands: one method each; stock changes are serialised per product."""
from __future__ import annotations

from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.application import ContextApplication
from domain.commerce.order import Order
from domain.commerce.product import Product, money
from domain.concurrency import KeyedLocks, serialised


class CommerceApplication(ContextApplication):
    env: ClassVar[dict[str, str]] = {"PERSISTENCE_MODULE": "eventsourcing.popo",
                                     "AGGREGATE_CACHE_MAXSIZE": "10000"}

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID]) -> None:
        super().__init__(recorder, mapper)
        self.product_locks = KeyedLocks()

    def create_product(self, name: str, price: Decimal, stock: int) -> Product:
        product = Product(name.strip(), money(price), stock)
        self.save(product)
        return product

    def adjust_stock(self, product_id: UUID, delta: int) -> Product:
        return serialised(self.product_locks, [product_id], lambda: self._adjust(product_id, delta))

    def place_order(self, customer_id: UUID, lines: dict[UUID, int]) -> Order:
        """`lines`: quantity by product; all are reserved and the order placed, or nothing."""
        return serialised(self.product_locks, lines, lambda: self._place(customer_id, lines))

    def _adjust(self, product_id: UUID, delta: int) -> Product:
        product = self.load(Product, product_id)
        product.adjust_stock(delta)
        self.save(product)
        return product

    def _place(self, customer_id: UUID, lines: dict[UUID, int]) -> Order:
        products = [self.load(Product, product_id) for product_id in lines]
        order = Order.place(customer_id, [(product, lines[product.id]) for product in products])
        self.save(*products, order)
        return order
