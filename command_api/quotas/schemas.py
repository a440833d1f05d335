"""Request bodies of quota commands, validated at the edge."""
from __future__ import annotations

from typing import Annotated

import msgspec

ACTION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"


class SetLimit(msgspec.Struct, forbid_unknown_fields=True):
    """`daily_limit: null` removes the limit: the action becomes unlimited."""

    daily_limit: Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)] | None


class Consume(msgspec.Struct, forbid_unknown_fields=True):
    amount: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 1
