"""Request body of course creation, validated at the edge (price rules in the domain)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec


class CreateCourse(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=255, pattern=r"\S")]
    start_date: date
    price: Decimal = Decimal("0.00")
    is_free: bool = False
    description: Annotated[str, msgspec.Meta(max_length=10_000)] = ""
    tag_ids: Annotated[list[UUID], msgspec.Meta(max_length=20)] = []
