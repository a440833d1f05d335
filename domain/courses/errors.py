"""Courses' refusals."""
from __future__ import annotations

from domain.errors import InvalidError


class InvalidCoursePriceError(InvalidError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"Field 'price' {reason}", {"price": [reason]})


class UnknownTagsError(InvalidError):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"Field 'tag_ids' names unknown tags: {', '.join(missing)}",
                         {"tag_ids": [f"unknown tag {m}" for m in missing]})
