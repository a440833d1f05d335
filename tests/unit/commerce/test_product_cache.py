"""A checkout decides on a working copy: the cached product changes only when it is saved."""
from __future__ import annotations

import uuid
from decimal import Decimal

from domain.commerce.product import Product
from domain.commerce.product_cache import ProductCache


class StoredProducts:
    def __init__(self, *products: Product) -> None:
        self.products = {product.id: product for product in products}

    def load(self, cls: type, product_id: uuid.UUID) -> Product:
        return self.products[product_id]


def test_reserving_on_a_working_copy_leaves_the_cached_product_as_stored():
    pen = Product("Pen", Decimal("1.50"), 5)
    pen.collect_events()
    cache = ProductCache(StoredProducts(pen))  # type: ignore[arg-type]
    working = cache.working_copy(pen.id)
    working.reserve(uuid.uuid4(), 2)
    again = cache.working_copy(pen.id)
    assert (working.stock, again.stock) == (3, 5)
    assert (len(again.collect_events()), len(working.collect_events())) == (0, 1)
    assert (working.version, again.version) == (2, 1)
