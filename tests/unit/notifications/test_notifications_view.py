"""The notifications read model: one row per notification, marks per user, deterministic ids."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from infra.envelope import Envelope
from infra.readstore import SqliteReadStore
from projectors.notifications.notifications_view import NotificationsView
from projectors.runtime import FLOOR, SourceBatch, apply_batches, create_tables, reset


def envelope(position: int, type_: str, data: dict[str, Any], aggregate_id: UUID | None = None,
             context: str = "notifications") -> Envelope:
    return Envelope(id=uuid4(), type=type_, version="v1", aggregate_type="x",
                    aggregate_id=aggregate_id or uuid4(), aggregate_version=1, position=position,
                    timestamp=datetime(2026, 1, 31, 12, 0, position, tzinfo=UTC), actor_id=None,
                    tenant_id=None, data=data, context=context)


@pytest.fixture
def store(tmp_path):
    store = SqliteReadStore(tmp_path / "read.sqlite")
    create_tables(store, [NotificationsView()])
    return store


def rows(store, table):
    with store.transaction() as tx:
        return tx.fetch_all(f"SELECT * FROM {table} ORDER BY 1, 2")


def test_a_platform_notification_is_stored_once_however_many_read_it(store):
    note = uuid4()
    created = envelope(1, "NotificationCreated", {"title": "T", "message": "M",
                                                  "obj_code": "platform", "obj_id": None}, note)
    reads = [envelope(2 + i, "NotificationRead",
                      {"notification_id": str(note), "user_id": str(uuid4())}) for i in range(3)]
    frames = apply_batches(store, [NotificationsView()], [SourceBatch(FLOOR, [created, *reads])])
    assert len(rows(store, "notifications")) == 1
    assert len(rows(store, "notification_marks")) == 3
    assert [(f["channel"], f["type"], f["data"]["id"]) for f in frames] == [
        ("notifications:platform", "notification", str(note))]


def test_a_course_becomes_the_same_platform_notification_on_every_replay(store):
    course = uuid4()
    created = envelope(1, "CourseCreated", {"title": "Rust", "description": "Systems"}, course,
                       context="courses")
    view = NotificationsView()
    frames = apply_batches(store, [view], [SourceBatch(FLOOR, [created])])
    first = rows(store, "notifications")
    reset(store, view)
    apply_batches(store, [view], [SourceBatch(FLOOR, [created])])
    assert rows(store, "notifications") == first
    assert first[0]["title"] == "New course: Rust" and first[0]["obj_code"] == "platform"
    assert frames[0]["channel"] == "notifications:platform"
