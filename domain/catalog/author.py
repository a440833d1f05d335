"""Authors of books: a name, nothing more (names need not be unique)."""
from __future__ import annotations

from eventsourcing.domain import event

from domain.aggregate import Aggregate


class Author(Aggregate):
    @event("AuthorCreated")
    def __init__(self, name: str) -> None:
        self.name = name
