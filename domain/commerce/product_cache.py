"""Products as this process last stored them, so a checkout does not re-read the store.

Every use happens under the product's lock. A command works on a copy; only a successful
save replaces the cached state. Other processes may have written since: a save on stale state
fails the store's version check (and is retried on state caught up with the store), and a
refusal for lack of stock first catches up with the store before it stands.

Once a save has failed that way, the process knows it shares the products with another
writer (`serve command --workers N`), and from then on catches a cached product up with the
store before each decision: one indexed read of the events after its version. Without it,
two workers selling the same 100 products conflicted on most group commits, and a group
that fails is retried one append at a time, each with its own append lock and disk flush:
checkout throughput fell to a third and p99 rose tenfold.
"""
from __future__ import annotations

from copy import copy
from uuid import UUID

from domain.application import ContextApplication
from domain.commerce.product import Product


class ProductCache:
    def __init__(self, app: ContextApplication, max_size: int = 10_000) -> None:
        self.app, self.max_size = app, max_size
        self._committed: dict[UUID, Product] = {}
        self.shared = False

    def working_copy(self, product_id: UUID) -> Product:
        product = self._committed.get(product_id)
        if product is None:
            product = self.app.load(Product, product_id)
            if len(self._committed) >= self.max_size:
                self._committed.clear()
            self._committed[product_id] = product
        elif self.shared:
            self.caught_up(product_id)
        return _working(product)

    def remember(self, *products: Product) -> None:
        for product in products:
            self._committed[product.id] = product

    def conflicted(self) -> None:
        """A save on cached state failed the version check: catch up before every decision
        from now on. The cached state stays (a failed save never touched it): catching it up
        reads the few events after it, where loading the product anew would replay its whole
        history, one event per sale, while holding the product's lock."""
        self.shared = True

    def caught_up(self, *product_ids: UUID) -> bool:
        """Apply what other processes stored since; whether there was anything."""
        changed = False
        for product_id in product_ids:
            product = self._committed.get(product_id)
            if product is None:
                continue
            for event in self.app.events.get(product_id, gt=product.version):
                event.mutate(product)
                changed = True
        return changed


def _working(product: Product) -> Product:
    """A copy to decide on: its fields are immutable values (str, Decimal, int, UUID,
    datetime), so only the list of pending events must not be shared; a deep copy cost a
    checkout about 2% of the command process's time."""
    working = copy(product)
    working._pending_events = list(product._pending_events)
    return working
