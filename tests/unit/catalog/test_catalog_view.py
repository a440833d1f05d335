"""The books read model ends the same whatever order a book's and its comments' events arrive in.

With Kafka, a comment (its own aggregate, on another partition) may come before its book's
BookCreated or after its BookDeleted; `tessera verify` compares with the log's order.
"""
from __future__ import annotations

from datetime import UTC, datetime
from itertools import permutations
from uuid import uuid4

import pytest

from infra.envelope import Envelope
from infra.readstore import SqliteReadStore
from projectors.catalog.catalog_view import CatalogView
from projectors.runtime import SourceBatch, apply_batches, create_tables

BOOK, AUTHOR = uuid4(), uuid4()


def envelope(position, kind, aggregate_id, version=1, **data):
    return Envelope(id=uuid4(), type=kind, version="v1", aggregate_type="x", aggregate_id=aggregate_id,
                    aggregate_version=version, position=position, context="catalog",
                    timestamp=datetime(2026, 1, 1, tzinfo=UTC), actor_id=None, tenant_id=None, data=data)


LOG = [
    envelope(1, "BookCreated", BOOK, title="Dune", author_id=str(AUTHOR), tag_ids=[]),
    envelope(2, "CommentAdded", uuid4(), book_id=str(BOOK), user_id=str(uuid4()), text="a"),
    envelope(3, "CommentAdded", uuid4(), book_id=str(BOOK), user_id=str(uuid4()), text="b"),
    envelope(4, "BookDeleted", BOOK, version=2),
]


def book_row(tmp_path, order, name):
    store = SqliteReadStore(tmp_path / f"{name}.sqlite")
    create_tables(store, [CatalogView()])
    for event in order:
        apply_batches(store, [CatalogView()], [SourceBatch(f"p{event.position}", [event])], push=False)
    with store.transaction() as tx:
        return tx.fetch_all("SELECT * FROM books")


@pytest.mark.parametrize("cut", [2, 4])
def test_any_arrival_order_of_book_and_comment_events_gives_the_same_row(tmp_path, cut):
    book_events = [e for e in LOG[:cut] if e.type != "CommentAdded"]
    comments = [e for e in LOG[:cut] if e.type == "CommentAdded"]
    expected = book_row(tmp_path, LOG[:cut], "log")
    for n, shuffled in enumerate(permutations(comments + book_events)):
        if [e for e in shuffled if e in book_events] == book_events:  # a book's own events stay in order
            assert book_row(tmp_path, list(shuffled), f"order{n}") == expected
    assert expected[0]["comments_count"] == len(comments) and expected[0]["title"] == "Dune"
