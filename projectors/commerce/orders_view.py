"""The `orders` read model: each customer's confirmed orders, items kept as their JSON body."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on


def item_body(item: dict[str, Any]) -> dict[str, Any]:
    unit_price = Decimal(item["unit_price"])
    return {"product_id": item["product_id"], "name": item["name"], "quantity": item["quantity"],
            "unit_price": str(unit_price), "subtotal": str(unit_price * item["quantity"])}


class OrdersView(Projection):
    name = "orders"
    contexts = ("commerce",)
    tables = {
        "orders": """CREATE TABLE IF NOT EXISTS orders (
            id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, status TEXT NOT NULL, items TEXT NOT NULL,
            total TEXT NOT NULL, created_at TEXT NOT NULL, position BIGINT NOT NULL)""",
    }
    indexes = ("CREATE INDEX IF NOT EXISTS orders_customer ON orders (customer_id, position)",)

    @on("OrderPlaced")
    def placed(self, event: Envelope, w: Writer) -> None:
        d = event.data
        items = [item_body(item) for item in d["items"]]
        w.execute(
            "INSERT INTO orders (id, customer_id, status, items, total, created_at, position)"
            " VALUES (:id, :customer_id, :status, :items, :total, :created_at, :position)",
            {"id": event.aggregate_id_text, "customer_id": d["customer_id"], "status": "confirmed",
             "items": msgspec.json.encode(items).decode(), "total": d["total"],
             "created_at": event.timestamp_text, "position": event.position},
        )
