"""The `authors`, `tags` and `books` read models.

A book row keeps its author's id and its tag ids (names are resolved by the query side, they
never change) and a `comments_count` that each CommentAdded bumps: listings never join or
count at query time. The count itself is not indexed (a million comments would each rewrite
every index entry of their book); its magnitude `comments_scale` (0 for none, then its number
of digits) is, and changes only when a count crosses a power of ten. Ordering by (scale,
count) is ordering by count, so PostgreSQL reads the scale index from the top and sorts only
the first, small groups; with room left in each page (fillfactor) a comment is then a HOT
update, with no index write.

With Kafka, a comment may be applied before its book's BookCreated, or after its BookDeleted
(they are different aggregates, on different partitions). So a comment upserts the book's
row (a placeholder until the book arrives), BookCreated fills it in keeping the count, and
BookDeleted only unlists it: any order of arrival ends in the same row as the log's order.
"""
from __future__ import annotations

import msgspec

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on

NAMED_TABLE = """CREATE TABLE IF NOT EXISTS {table} (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, search TEXT NOT NULL, created_at TEXT NOT NULL,
    created_position BIGINT NOT NULL)"""
BOOK_FIELDS = "title, search, author_id, tag_ids, listed, created_at, created_position"
_encode = msgspec.json.Encoder().encode


def scale_of(count: str) -> str:
    """SQL for a count's number of decimal digits (1–9 → 1, 10–99 → 2, ...): its magnitude."""
    return f"length(CAST({count} AS TEXT))"


class CatalogView(Projection):
    name = "catalog"
    contexts = ("catalog",)
    tables = {
        "authors": NAMED_TABLE.format(table="authors"),
        "tags": NAMED_TABLE.format(table="tags"),
        "books": """CREATE TABLE IF NOT EXISTS books (
            id TEXT PRIMARY KEY, title TEXT NOT NULL, search TEXT NOT NULL, author_id TEXT NOT NULL,
            tag_ids TEXT NOT NULL, comments_count INTEGER NOT NULL, comments_scale INTEGER NOT NULL,
            listed BOOLEAN NOT NULL, created_at TEXT NOT NULL, created_position BIGINT NOT NULL)""",
    }
    fillfactors = {"books": 50}  # a book row is rewritten on every comment (see above)
    indexes = (
        "CREATE INDEX IF NOT EXISTS authors_created ON authors (created_position)",
        "CREATE INDEX IF NOT EXISTS tags_created ON tags (created_position)",
        "CREATE INDEX IF NOT EXISTS books_created ON books (created_position) WHERE listed",
        "CREATE INDEX IF NOT EXISTS books_popular ON books (comments_scale) WHERE listed",
        "CREATE INDEX IF NOT EXISTS books_title ON books (search, created_position) WHERE listed",
        "CREATE INDEX IF NOT EXISTS books_author ON books (author_id, created_position) WHERE listed",
    )

    @on("AuthorCreated")
    def author_created(self, event: Envelope, w: Writer) -> None:
        self._named("authors", event, w)

    @on("TagCreated")
    def tag_created(self, event: Envelope, w: Writer) -> None:
        self._named("tags", event, w)

    @on("BookCreated")
    def book_created(self, event: Envelope, w: Writer) -> None:
        w.execute(
            f"INSERT INTO books (id, comments_count, comments_scale, {BOOK_FIELDS}) VALUES (:id, 0, 0,"
            " :title, :search, :author_id, :tag_ids, :listed, :created_at, :position)"
            " ON CONFLICT (id) DO UPDATE SET"
            " title = excluded.title, search = excluded.search, author_id = excluded.author_id,"
            " tag_ids = excluded.tag_ids, listed = excluded.listed, created_at = excluded.created_at,"
            " created_position = excluded.created_position",
            {**_described(event), "listed": True, "created_at": event.timestamp_text,
             "position": event.position})

    @on("BookUpdated")
    def book_updated(self, event: Envelope, w: Writer) -> None:
        w.execute("UPDATE books SET title = :title, search = :search, author_id = :author_id,"
                  " tag_ids = :tag_ids WHERE id = :id", _described(event))

    @on("BookDeleted")
    def book_deleted(self, event: Envelope, w: Writer) -> None:
        w.execute("UPDATE books SET listed = :listed WHERE id = :id",
                  {"id": event.aggregate_id_text, "listed": False})

    @on("CommentAdded")
    def comment_added(self, event: Envelope, w: Writer) -> None:
        w.execute(
            f"INSERT INTO books (id, comments_count, comments_scale, {BOOK_FIELDS}) VALUES (:id, 1, 1, '',"
            " '', '', '[]', :listed, '', 0) ON CONFLICT (id) DO UPDATE SET comments_count ="
            f" books.comments_count + 1, comments_scale = {scale_of('books.comments_count + 1')}",
            {"id": event.data["book_id"], "listed": False})

    @staticmethod
    def _named(table: str, event: Envelope, w: Writer) -> None:
        name = event.data["name"]
        w.execute(f"INSERT INTO {table} (id, name, search, created_at, created_position)"
                  " VALUES (:id, :name, :search, :created_at, :position)",
                  {"id": event.aggregate_id_text, "name": name, "search": name.lower(),
                   "created_at": event.timestamp_text, "position": event.position})


def _described(event: Envelope) -> dict[str, str]:
    d = event.data
    return {"id": event.aggregate_id_text, "title": d["title"], "search": d["title"].lower(),
            "author_id": d["author_id"], "tag_ids": _encode(d["tag_ids"]).decode()}
