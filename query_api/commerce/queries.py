"""SQL over the `products` and `orders` read models."""
from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec

from query_api.pagination import PAGE_SQL, Page

PRODUCT_COLUMNS = "id, name, price_cents, stock"
ORDERINGS = {
    "price": "price_cents, created_position", "-price": "price_cents DESC, created_position",
    "name": "search, created_position", "-name": "search DESC, created_position",
    "created_at": "created_position", "-created_at": "created_position DESC",
}
ORDER_COLUMNS = "id, status, items, total, created_at"


class ProductFilter(msgspec.Struct, frozen=True, kw_only=True):
    search: str | None = None
    in_stock: bool | None = None
    ordering: str = "created_at"

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses, params = ["1 = 1"], {}
        if self.search:
            escaped = self.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append("search LIKE :pattern ESCAPE '\\'")
            params["pattern"] = f"%{escaped}%"
        if self.in_stock is not None:
            clauses.append("stock > 0" if self.in_stock else "stock = 0")
        return " AND ".join(clauses), params


def product_row(row: dict[str, Any]) -> dict[str, Any]:
    price = (Decimal(int(row["price_cents"])) / 100).quantize(Decimal("0.01"))
    return {"id": row["id"], "name": row["name"], "price": str(price), "stock": int(row["stock"])}


async def products(store: Any, chosen: ProductFilter, page: Page) -> list[dict[str, Any]]:
    where, params = chosen.where()
    rows = await store.fetch_all(
        f"SELECT {PRODUCT_COLUMNS} FROM products WHERE {where} ORDER BY {ORDERINGS[chosen.ordering]}"
        f" {PAGE_SQL}", {**params, **page.params})
    return [product_row(row) for row in rows]


async def count_products(store: Any, chosen: ProductFilter) -> int:
    where, params = chosen.where()
    row = await store.fetch_one(f"SELECT count(*) AS n FROM products WHERE {where}", params)
    return int(row["n"]) if row else 0


async def product(store: Any, product_id: UUID) -> dict[str, Any] | None:
    row = await store.fetch_one(f"SELECT {PRODUCT_COLUMNS} FROM products WHERE id = :id",
                                {"id": str(product_id)})
    return product_row(row) if row else None


def order_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "items": msgspec.json.decode(row["items"])}


async def orders_of(store: Any, customer_id: UUID, page: Page) -> list[dict[str, Any]]:
    rows = await store.fetch_all(
        f"SELECT {ORDER_COLUMNS} FROM orders WHERE customer_id = :customer ORDER BY position DESC"
        f" {PAGE_SQL}", {"customer": str(customer_id), **page.params})
    return [order_row(row) for row in rows]


async def count_orders_of(store: Any, customer_id: UUID) -> int:
    row = await store.fetch_one("SELECT count(*) AS n FROM orders WHERE customer_id = :customer",
                                {"customer": str(customer_id)})
    return int(row["n"]) if row else 0


async def order_of(store: Any, order_id: UUID, customer_id: UUID) -> dict[str, Any] | None:
    row = await store.fetch_one(f"SELECT {ORDER_COLUMNS} FROM orders WHERE id = :id AND customer_id = :customer",
                                {"id": str(order_id), "customer": str(customer_id)})
    return order_row(row) if row else None
