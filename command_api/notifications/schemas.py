"""Request bodies of notification commands, validated at the edge."""
from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec


class CreateNotification(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
    message: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    obj_code: Literal["platform", "user"] = "platform"
    obj_id: UUID | None = None
