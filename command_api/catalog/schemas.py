"""Request bodies of catalog commands, validated at the edge."""
from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=255, pattern=r"\S")]
TagIds = Annotated[list[UUID], msgspec.Meta(max_length=20)]


class CreateAuthor(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


class CreateTag(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=r"\S")]


class CreateBook(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    author_id: UUID
    tag_ids: TagIds = []


class UpdateBook(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields sent change."""

    title: Title | None = None
    author_id: UUID | None = None
    tag_ids: TagIds | None = None


class AddComment(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=5000, pattern=r"\S")]
