"""Products and orders as CONTRACT §4 shows them (commands answer from the aggregates)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.commerce.order import Order, OrderItem
from domain.commerce.product import Product
from infra.envelope import format_timestamp


def product_body(product: Product) -> dict[str, Any]:
    return {"id": str(product.id), "name": product.name, "price": str(product.price),
            "stock": product.stock}


def item_body(item: OrderItem) -> dict[str, Any]:
    return {"product_id": str(item.product_id), "name": item.name, "quantity": item.quantity,
            "unit_price": str(item.unit_price), "subtotal": str(item.unit_price * item.quantity)}


def order_body(order: Order) -> dict[str, Any]:
    return {"id": str(order.id), "status": order.status, "items": [item_body(i) for i in order.items],
            "total": str(Decimal(order.total)), "created_at": format_timestamp(order.created_on)}
