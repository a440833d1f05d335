"""A reader's comment on a book: one small aggregate per comment, never edited."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate


class Comment(Aggregate):
    @event("CommentAdded")
    def __init__(self, book_id: UUID, user_id: UUID, text: str) -> None:
        self.book_id = book_id
        self.user_id = user_id
        self.text = text
