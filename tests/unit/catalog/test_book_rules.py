"""Book and tag rules, without servers."""
from __future__ import annotations

from uuid import uuid4

import pytest

from domain.catalog.book import Book
from domain.catalog.errors import BookDeletedError
from domain.catalog.tag import Tag
from domain.errors import NotFoundError


def test_tag_ids_follow_the_name_whatever_its_case_or_spaces():
    assert Tag(" Fiction ").id == Tag.id_for("fiction") == Tag("FICTION").id
    assert Tag.id_for("fiction") != Tag.id_for("history")


def test_a_deleted_book_can_neither_change_nor_be_deleted_again():
    book = Book("Title", uuid4(), [])
    book.update("New", book.author_id, [uuid4()])
    book.delete()
    with pytest.raises(BookDeletedError):
        book.update("Again", book.author_id, [])
    with pytest.raises(NotFoundError):
        book.delete()
    assert [type(e).__name__ for e in book.collect_events()] == ["BookCreated", "BookUpdated", "BookDeleted"]
