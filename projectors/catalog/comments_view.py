"""The `comments` read model: each book's comments, listed newest first.

Keyed by (book, position), the order of the listing: a million rows keep one index only.
"""
from __future__ import annotations

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on


class CommentsView(Projection):
    name = "comments"
    contexts = ("catalog",)
    tables = {
        "comments": """CREATE TABLE IF NOT EXISTS comments (
            book_id TEXT NOT NULL, position BIGINT NOT NULL, id TEXT NOT NULL, user_id TEXT NOT NULL,
            text TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (book_id, position))""",
    }

    @on("CommentAdded")
    def added(self, event: Envelope, w: Writer) -> None:
        d = event.data
        w.execute("INSERT INTO comments (id, book_id, user_id, text, created_at, position)"
                  " VALUES (:id, :book_id, :user_id, :text, :created_at, :position)",
                  {"id": event.aggregate_id_text, "book_id": d["book_id"], "user_id": d["user_id"],
                   "text": d["text"], "created_at": event.timestamp_text, "position": event.position})
