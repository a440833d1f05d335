"""The `courses` read model and its `course_tags` links (the `tags=` filter, any of).

Prices are kept in cents and start dates as ISO text, so every filter and ordering of
CONTRACT §5.2 is an index range; tag names are resolved by the query side.
"""
from __future__ import annotations

from decimal import Decimal

import msgspec

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on

_encode = msgspec.json.Encoder().encode


class CoursesView(Projection):
    name = "courses"
    contexts = ("courses",)
    tables = {
        "courses": """CREATE TABLE IF NOT EXISTS courses (
            id TEXT PRIMARY KEY, title TEXT NOT NULL, search TEXT NOT NULL, description TEXT NOT NULL,
            price_cents BIGINT NOT NULL, is_free BOOLEAN NOT NULL, start_date TEXT NOT NULL,
            tag_ids TEXT NOT NULL, created_at TEXT NOT NULL, created_position BIGINT NOT NULL)""",
        "course_tags": """CREATE TABLE IF NOT EXISTS course_tags (
            tag_id TEXT NOT NULL, course_id TEXT NOT NULL, PRIMARY KEY (tag_id, course_id))""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS courses_created ON courses (created_position)",
        "CREATE INDEX IF NOT EXISTS courses_price ON courses (price_cents, created_position)",
        "CREATE INDEX IF NOT EXISTS courses_start ON courses (start_date, created_position)",
        "CREATE INDEX IF NOT EXISTS courses_title ON courses (search, created_position)",
        "CREATE INDEX IF NOT EXISTS courses_free ON courses (is_free, created_position)",
    )

    @on("CourseCreated")
    def created(self, event: Envelope, w: Writer) -> None:
        d, course_id = event.data, event.aggregate_id_text
        w.execute(
            "INSERT INTO courses (id, title, search, description, price_cents, is_free, start_date,"
            " tag_ids, created_at, created_position) VALUES (:id, :title, :search, :description,"
            " :price_cents, :is_free, :start_date, :tag_ids, :created_at, :position)",
            {"id": course_id, "title": d["title"], "search": d["title"].lower(),
             "description": d["description"], "price_cents": int(Decimal(d["price"]) * 100),
             "is_free": bool(d["is_free"]), "start_date": d["start_date"],
             "tag_ids": _encode(d["tag_ids"]).decode(), "created_at": event.timestamp_text,
             "position": event.position})
        for tag_id in d["tag_ids"]:
            w.execute("INSERT INTO course_tags (tag_id, course_id) VALUES (:tag_id, :course_id)",
                      {"tag_id": tag_id, "course_id": course_id})
