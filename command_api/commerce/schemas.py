"""Request bodies of commerce commands, validated at the edge."""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec

from domain.errors import InvalidError

Quantity = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Stock = Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)]


class CreateProduct(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
    price: Decimal
    stock: Stock = 0


class AdjustStock(msgspec.Struct, forbid_unknown_fields=True):
    delta: Annotated[int, msgspec.Meta(ge=-1_000_000_000, le=1_000_000_000)]


class OrderLine(msgspec.Struct, forbid_unknown_fields=True):
    product_id: UUID
    quantity: Quantity = 1


class PlaceOrder(msgspec.Struct, forbid_unknown_fields=True):
    """Either one product (`product_id`, `quantity`) or several (`items`)."""

    product_id: UUID | None = None
    quantity: Quantity = 1
    items: Annotated[list[OrderLine], msgspec.Meta(min_length=1, max_length=100)] | None = None

    def lines(self) -> dict[UUID, int]:
        """Quantity by product, in request order, with repeated products added up."""
        if (self.product_id is None) == (self.items is None):
            raise InvalidError("Send either 'product_id' (and 'quantity') or 'items'",
                               {"items": ["send either product_id or items"]})
        items = self.items or [OrderLine(self.product_id, self.quantity)]  # type: ignore[arg-type]
        lines: dict[UUID, int] = {}
        for item in items:
            lines[item.product_id] = lines.get(item.product_id, 0) + item.quantity
        return lines
