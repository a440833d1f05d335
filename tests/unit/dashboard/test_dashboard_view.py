"""The dashboard read model: counts per event type, buckets by event time, one frame per batch."""
from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from infra.envelope import Envelope
from infra.readstore import SqliteReadStore
from projectors.dashboard.dashboard_view import DashboardView
from projectors.projection import Projection
from projectors.runtime import FLOOR, SourceBatch, apply_batches, create_tables, reset


def envelope(position: int, type_: str, minute: int, context: str = "anything") -> Envelope:
    return Envelope(id=uuid4(), type=type_, version="v1", aggregate_type="x", aggregate_id=uuid4(),
                    aggregate_version=1, position=position,
                    timestamp=datetime(2026, 1, 31, 12, minute, 30, tzinfo=UTC), actor_id=None,
                    tenant_id=None, data={}, context=context)


EVENTS = [envelope(1, "UserRegistered", 0), envelope(2, "UserRegistered", 0),
          envelope(3, "CourseCreated", 1), envelope(4, "CommentAdded", 1),
          envelope(5, "UserDeactivated", 2), envelope(6, "UserCameOnline", 2),
          envelope(7, "OrderPlaced", 2), envelope(8, "BookCreated", 2)]


@pytest.fixture
def store(tmp_path):
    store = SqliteReadStore(tmp_path / "read.sqlite")
    create_tables(store, [DashboardView()])
    return store


def test_one_snapshot_per_batch_with_every_count(store):
    frames = apply_batches(store, [DashboardView()], [SourceBatch(FLOOR, EVENTS)])
    assert len(frames) == 1 and frames[0]["type"] == "dashboard_data" and frames[0]["position"] == 8
    data = frames[0]["data"]
    counts = ("users_count", "courses_count", "notifications_count", "online_users",
              "orders_count", "books_count", "reports_count")
    assert {k: data[k] for k in counts} == {
        "users_count": 1, "courses_count": 1, "notifications_count": 1, "online_users": 1,
        "orders_count": 1, "books_count": 1, "reports_count": 0}
    assert data["events_per_minute"] == [
        {"minute": "2026-01-31T12:00:00Z", "events": 2},
        {"minute": "2026-01-31T12:01:00Z", "events": 2},
        {"minute": "2026-01-31T12:02:00Z", "events": 4}]
    assert data["events_total"] == 8


def test_a_batch_over_two_partitions_is_snapshotted_at_its_last_position(store):
    """A production batch applies each partition's records in turn, so its last event applied
    need not be its last position: the snapshot was stamped with the earlier partition's
    (1089 for a batch holding 1090), and a resume found no frame at 1090."""
    partitions = [SourceBatch("tessera.notifications:1", [envelope(10, "NotificationCreated", 0)]),
                  SourceBatch("tessera.notifications:0", [envelope(9, "NotificationCreated", 0)])]
    frames = apply_batches(store, [DashboardView()], partitions)
    assert [frame["position"] for frame in frames] == [10]


def test_a_replay_pushes_nothing_and_rebuilds_the_same_rows(store):
    view = DashboardView()
    apply_batches(store, [view], [SourceBatch(FLOOR, EVENTS)])
    live = tables(store)
    reset(store, view)
    assert apply_batches(store, [view], [SourceBatch(FLOOR, EVENTS)], push=False) == []
    assert tables(store) == live


def test_a_batch_of_already_applied_events_pushes_nothing(store):
    view = DashboardView()
    apply_batches(store, [view], [SourceBatch(FLOOR, EVENTS)])
    assert apply_batches(store, [view], [SourceBatch(FLOOR, EVENTS)]) == []


class FailingView(Projection):
    """Fails its batch once, after the dashboard has applied its events in the same transaction."""

    name = "test_failing_once"
    failed = False

    def handles(self, envelope):
        return True

    def apply(self, envelope, writer):
        if not FailingView.failed:
            FailingView.failed = True
            raise RuntimeError("boom")


def test_a_failed_batch_leaves_nothing_behind_and_its_retry_counts_once(store):
    view, failing = DashboardView(), FailingView()
    with pytest.raises(RuntimeError):
        apply_batches(store, [view, failing], [SourceBatch(FLOOR, EVENTS)])
    [frame] = apply_batches(store, [view, failing], [SourceBatch(FLOOR, EVENTS)])
    assert frame["data"]["events_total"] == len(EVENTS) and frame["data"]["users_count"] == 1


def tables(store):
    with store.transaction() as tx:
        return [tx.fetch_all(f"SELECT * FROM {t} ORDER BY 1") for t in DashboardView.tables]
