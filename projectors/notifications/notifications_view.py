"""The `notifications` read model: each notification stored once, plus per-user marks.

A platform notification is one row whoever reads it; `notification_marks` holds only what a
user changed (read, hidden), so the feed is a join and nothing is copied per user. New
notifications are pushed to `notifications:platform` or `notifications:user:<id>`
(see `query_api.notifications.live`). A course creation becomes the platform notification
"New course: <title>", its id derived from the course's id so a replay rebuilds the same row.
"""
from __future__ import annotations

from typing import Any, ClassVar

from domain.aggregate import stable_id
from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on

PLATFORM_CHANNEL = "notifications:platform"


def user_channel(user_id: str) -> str:
    return f"notifications:user:{user_id}"


def course_notification_id(course_id: str) -> str:
    return str(stable_id("course-notification", course_id))


class NotificationsView(Projection):
    name = "notifications"
    contexts = ("courses", "notifications")
    tables: ClassVar[dict[str, str]] = {
        "notifications": """CREATE TABLE IF NOT EXISTS notifications (
            id TEXT PRIMARY KEY, title TEXT NOT NULL, message TEXT NOT NULL, obj_code TEXT NOT NULL,
            obj_id TEXT, created_at TEXT NOT NULL, position BIGINT NOT NULL)""",
        "notification_marks": """CREATE TABLE IF NOT EXISTS notification_marks (
            user_id TEXT NOT NULL, notification_id TEXT NOT NULL, is_read BOOLEAN NOT NULL,
            is_hidden BOOLEAN NOT NULL, PRIMARY KEY (user_id, notification_id))""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS notifications_audience ON notifications (obj_id, position)",
        "CREATE INDEX IF NOT EXISTS notifications_position ON notifications (position)",
    )

    @on("NotificationCreated")
    def created(self, event: Envelope, w: Writer) -> None:
        d = event.data
        self._store(w, event, {"id": event.aggregate_id_text, "title": d["title"],
                               "message": d["message"], "obj_code": d["obj_code"],
                               "obj_id": d.get("obj_id")})

    @on("CourseCreated")
    def course_created(self, event: Envelope, w: Writer) -> None:
        d = event.data
        self._store(w, event, {"id": course_notification_id(event.aggregate_id_text),
                               "title": f"New course: {d['title']}",
                               "message": d.get("description") or d["title"],
                               "obj_code": "platform", "obj_id": None})

    @on("NotificationRead")
    def read(self, event: Envelope, w: Writer) -> None:
        self._mark(w, event, "is_read")

    @on("NotificationDeleted")
    def hidden(self, event: Envelope, w: Writer) -> None:
        self._mark(w, event, "is_hidden")

    def _store(self, w: Writer, event: Envelope, row: dict[str, Any]) -> None:
        row = {**row, "created_at": event.timestamp_text}
        w.execute(
            "INSERT INTO notifications (id, title, message, obj_code, obj_id, created_at, position)"
            " VALUES (:id, :title, :message, :obj_code, :obj_id, :created_at, :position)"
            " ON CONFLICT (id) DO NOTHING", {**row, "position": event.position})
        channel = user_channel(row["obj_id"]) if row["obj_id"] else PLATFORM_CHANNEL
        w.push(channel, "notification", {**row, "read": False})

    def _mark(self, w: Writer, event: Envelope, column: str) -> None:
        w.execute(
            "INSERT INTO notification_marks (user_id, notification_id, is_read, is_hidden)"
            " VALUES (:user_id, :notification_id, :read, :hidden)"
            f" ON CONFLICT (user_id, notification_id) DO UPDATE SET {column} = :yes",
            {"user_id": event.data["user_id"], "notification_id": event.data["notification_id"],
             "read": column == "is_read", "hidden": column == "is_hidden", "yes": True})
