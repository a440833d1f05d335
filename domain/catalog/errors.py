"""Catalog's refusals."""
from __future__ import annotations

from domain.errors import ConflictError, InvalidError, NotFoundError


class BookDeletedError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Book not found")


class TagTakenError(ConflictError):
    def __init__(self) -> None:
        super().__init__("A tag with this name already exists", {"name": ["already exists"]})


class UnknownReferenceError(InvalidError):
    """A book names an author or tags that do not exist."""

    def __init__(self, field: str, missing: list[str]) -> None:
        super().__init__(f"Field '{field}' names unknown ids: {', '.join(missing)}",
                         {field: [f"unknown id {m}" for m in missing]})
