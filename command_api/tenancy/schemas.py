"""Request bodies of tenancy commands, validated at the edge."""
from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
Slug = Annotated[str, msgspec.Meta(min_length=2, max_length=50,
                                   pattern=r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")]
Description = Annotated[str, msgspec.Meta(max_length=5000)]


class CreateTenant(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    slug: Slug


class AddTenantMember(msgspec.Struct, forbid_unknown_fields=True):
    user_id: UUID
    role: Literal["owner", "member"]


class CreateProject(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    description: Description = ""
