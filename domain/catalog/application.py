"""Catalog commands: one method each; references are checked against the store."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.aggregate import Aggregate
from domain.application import ContextApplication
from domain.catalog.author import Author
from domain.catalog.book import Book
from domain.catalog.comment import Comment
from domain.catalog.errors import TagTakenError, UnknownReferenceError
from domain.catalog.tag import Tag
from domain.errors import NotFoundError


class CatalogApplication(ContextApplication):
    def create_author(self, name: str) -> Author:
        author = Author(name.strip())
        self.save(author)
        return author

    def create_tag(self, name: str) -> Tag:
        tag = Tag(name.strip())
        try:
            self.save(tag)
        except IntegrityError:
            raise TagTakenError() from None
        return tag

    def create_book(self, title: str, author_id: UUID, tag_ids: list[UUID]) -> Book:
        book = Book(title.strip(), *self._references(author_id, tag_ids))
        self.save(book)
        return book

    def update_book(self, book_id: UUID, title: str | None, author_id: UUID | None,
                    tag_ids: list[UUID] | None) -> Book:
        book = self.load(Book, book_id)
        book.ensure_listed()
        author, tags = self._references(author_id or book.author_id,
                                        book.tag_ids if tag_ids is None else tag_ids)
        book.update(title.strip() if title else book.title, author, tags)
        self.save(book)
        return book

    def delete_book(self, book_id: UUID) -> Book:
        book = self.load(Book, book_id)
        book.delete()
        self.save(book)
        return book

    def add_comment(self, book_id: UUID, user_id: UUID, text: str) -> Comment:
        self.load(Book, book_id).ensure_listed()
        comment = Comment(book_id, user_id, text.strip())
        self.save(comment)
        return comment

    def _references(self, author_id: UUID, tag_ids: list[UUID]) -> tuple[UUID, list[UUID]]:
        """The author and the tags (duplicates dropped, order kept), each known to exist."""
        if not self._is(Author, author_id):
            raise UnknownReferenceError("author_id", [str(author_id)])
        tags = list(dict.fromkeys(tag_ids))
        missing = [str(tag_id) for tag_id in tags if not self._is(Tag, tag_id)]
        if missing:
            raise UnknownReferenceError("tag_ids", missing)
        return author_id, tags

    def _is(self, kind: type[Aggregate], aggregate_id: UUID) -> bool:
        try:
            self.load(kind, aggregate_id)
        except NotFoundError:
            return False
        return True
