"""Commerce commands: one method each; stock changes are serialised per product.

Single-product checkouts of one product are combined: whoever holds the product's lock
places every order queued for it in one decision pass and one save, so a product everyone
buys at once costs one transaction per batch rather than one per order.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import ClassVar, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder, IntegrityError, Mapper

from domain.aggregate import Aggregate
from domain.application import ContextApplication
from domain.commerce.order import Order
from domain.commerce.product import Product, money
from domain.commerce.product_cache import ProductCache
from domain.concurrency import Combiner, KeyedLocks, Queued, retrying, serialised
from domain.errors import InsufficientStockError

R = TypeVar("R")
Outcome = Order | InsufficientStockError


class PlacedOrder(msgspec.Struct, frozen=True):
    """A confirmed order and the global position its events were stored at."""

    order: Order
    position: int | None


# A product has an event per sale, so loading one replays its sales: every this many, a
# snapshot of it is stored and a load reads that and the sales after it.
PRODUCT_SNAPSHOT_EVERY = 500


class CommerceApplication(ContextApplication):
    snapshotting_intervals: ClassVar[dict[type[Aggregate], int]] = {Product: PRODUCT_SNAPSHOT_EVERY}

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID],
                 snapshots: AggregateRecorder | None = None) -> None:
        super().__init__(recorder, mapper, snapshots)
        self.product_locks = KeyedLocks()
        self.products = ProductCache(self)
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
        [product], _ = self._decided([product_id], lambda products: products[0].adjust_stock(delta))
        self._saved_at([product])
        return product

    def _place(self, customer_id: UUID, lines: dict[UUID, int]) -> PlacedOrder:
        products, order = self._decided(list(lines), lambda products: Order.place(
            customer_id, [(product, lines[product.id]) for product in products]))
        return PlacedOrder(order, self._saved_at(products, order).get(order.id))

    def _place_batch(self, product_id: UUID, queued: list[Queued[tuple[UUID, int]]]
                     ) -> list[PlacedOrder | BaseException]:
        return retrying(lambda: self._try_batch(product_id, queued))

    def _try_batch(self, product_id: UUID, queued: list[Queued[tuple[UUID, int]]]
                   ) -> list[PlacedOrder | BaseException]:
        [product], outcomes = self._decided([product_id], lambda products: [
            _placed_or_short(command, products[0]) for command in queued], refused=_any_short)
        orders = [outcome for outcome in outcomes if isinstance(outcome, Order)]
        positions = self._saved_at([product], *orders) if orders else {}
        return [PlacedOrder(o, positions.get(o.id)) if isinstance(o, Order) else o for o in outcomes]

    def _decided(self, product_ids: Sequence[UUID], decide: Callable[[list[Product]], R],
                 refused: Callable[[R], bool] = lambda decision: False) -> tuple[list[Product], R]:
        """Decide on working copies; a refusal for stock stands only once caught up with the store."""
        while True:
            products = [self.products.working_copy(product_id) for product_id in product_ids]
            try:
                decision = decide(products)
            except InsufficientStockError:
                if not self.products.caught_up(*product_ids):
                    raise
            else:
                if not refused(decision) or not self.products.caught_up(*product_ids):
                    return products, decision

    def _saved_at(self, products: list[Product], *orders: Order) -> dict[UUID, int]:
        """Save atomically; the global position of each aggregate's last event stored. An
        order of a combined batch answers its own OrderPlaced's, not the batch's last event
        (CONTRACT §1): the save already holds every position, so this costs one pass."""
        try:
            recordings = self.save(*products, *orders)
        except IntegrityError:
            self.products.conflicted()
            raise
        self.products.remember(*products)
        return {r.domain_event.originator_id: r.notification.id for r in recordings}


def _placed_or_short(command: Queued[tuple[UUID, int]], product: Product) -> Outcome:
    customer_id, quantity = command.item
    try:
        return command.within(Order.place, customer_id, [(product, quantity)])
    except InsufficientStockError as short:
        return short


def _any_short(outcomes: list[Outcome]) -> bool:
    return any(isinstance(outcome, InsufficientStockError) for outcome in outcomes)
