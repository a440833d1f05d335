"""The `products` read model: catalogue rows whose stock follows every reservation."""
from __future__ import annotations

from decimal import Decimal

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on


def cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


class ProductsView(Projection):
    """`search` is the lowercased name, ordered by code point in both stores (`COLLATE "C"`:
    SQLite's own order), so `ordering=name` is case-insensitive and does not depend on the
    database's collation."""

    name = "products"
    contexts = ("commerce",)
    tables = {
        "products": """CREATE TABLE IF NOT EXISTS products (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, search TEXT COLLATE "C" NOT NULL, price_cents BIGINT NOT NULL,
            stock BIGINT NOT NULL, created_at TEXT NOT NULL, created_position BIGINT NOT NULL)""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS products_created ON products (created_position)",
        "CREATE INDEX IF NOT EXISTS products_price ON products (price_cents, created_position)",
        "CREATE INDEX IF NOT EXISTS products_search ON products (search, created_position)",
    )

    @on("ProductCreated")
    def created(self, event: Envelope, w: Writer) -> None:
        d = event.data
        w.execute(
            "INSERT INTO products (id, name, search, price_cents, stock, created_at, created_position)"
            " VALUES (:id, :name, :search, :price_cents, :stock, :created_at, :position)",
            {"id": event.aggregate_id_text, "name": d["name"], "search": d["name"].lower(),
             "price_cents": cents(d["price"]), "stock": d["stock"], "created_at": event.timestamp_text,
             "position": event.position},
        )

    @on("ProductStockAdjusted", "ProductStockReserved")
    def stock_changed(self, event: Envelope, w: Writer) -> None:
        w.execute("UPDATE products SET stock = :stock WHERE id = :id",
                  {"stock": event.data["stock"], "id": event.aggregate_id_text})
