"""The `book_tags` read model: one row per (tag, book), for the `tags=` filter (any of)."""
from __future__ import annotations

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on


class BookTagsView(Projection):
    name = "book_tags"
    contexts = ("catalog",)
    tables = {
        "book_tags": """CREATE TABLE IF NOT EXISTS book_tags (
            tag_id TEXT NOT NULL, book_id TEXT NOT NULL, PRIMARY KEY (tag_id, book_id))""",
    }
    indexes = ("CREATE INDEX IF NOT EXISTS book_tags_book ON book_tags (book_id)",)

    @on("BookCreated")
    def created(self, event: Envelope, w: Writer) -> None:
        self._link(event, w)

    @on("BookUpdated")
    def updated(self, event: Envelope, w: Writer) -> None:
        self._unlink(event, w)
        self._link(event, w)

    @on("BookDeleted")
    def deleted(self, event: Envelope, w: Writer) -> None:
        self._unlink(event, w)

    @staticmethod
    def _link(event: Envelope, w: Writer) -> None:
        for tag_id in event.data["tag_ids"]:
            w.execute("INSERT INTO book_tags (tag_id, book_id) VALUES (:tag_id, :book_id)",
                      {"tag_id": tag_id, "book_id": event.aggregate_id_text})

    @staticmethod
    def _unlink(event: Envelope, w: Writer) -> None:
        w.execute("DELETE FROM book_tags WHERE book_id = :book_id", {"book_id": event.aggregate_id_text})
