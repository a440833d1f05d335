"""Books: written by one author, labelled by tags; staff may change or delete them."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate
from domain.catalog.errors import BookDeletedError


class Book(Aggregate):
    @event("BookCreated")
    def __init__(self, title: str, author_id: UUID, tag_ids: list[UUID]) -> None:
        self.title = title
        self.author_id = author_id
        self.tag_ids = tag_ids
        self.deleted = False

    def update(self, title: str, author_id: UUID, tag_ids: list[UUID]) -> None:
        self.ensure_listed()
        self._updated(title, author_id, tag_ids)

    def delete(self) -> None:
        self.ensure_listed()
        self._deleted()

    def ensure_listed(self) -> None:
        if self.deleted:
            raise BookDeletedError()

    @event("BookUpdated")
    def _updated(self, title: str, author_id: UUID, tag_ids: list[UUID]) -> None:
        self.title = title
        self.author_id = author_id
        self.tag_ids = tag_ids

    @event("BookDeleted")
    def _deleted(self) -> None:
        self.deleted = True
