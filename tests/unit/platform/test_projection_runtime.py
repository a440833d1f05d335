"""Projection batches apply each event once, whatever redelivers it."""
from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from infra.envelope import Envelope
from infra.readstore import SqliteReadStore
from projectors.projection import Projection, on
from projectors.runtime import FLOOR, SourceBatch, apply_batches, create_tables, reset


class CountingView(Projection):
    name = "test_counting"
    tables = {"test_counts": "CREATE TABLE IF NOT EXISTS test_counts (k TEXT PRIMARY KEY, n INTEGER NOT NULL)"}

    @on("ThingCounted")
    def counted(self, event, w):
        w.execute("INSERT INTO test_counts (k, n) VALUES ('all', 1) "
                  "ON CONFLICT (k) DO UPDATE SET n = test_counts.n + 1")
        w.push("things", "counted", {"n": event.position})


def event(position):
    return Envelope(id=uuid4(), type="ThingCounted", version="v1", aggregate_type="thing",
                    aggregate_id=uuid4(), aggregate_version=1, position=position,
                    timestamp=datetime.now(UTC), actor_id=None, tenant_id=None, data={})


@pytest.fixture
def store(tmp_path):
    store = SqliteReadStore(tmp_path / "read.sqlite")
    create_tables(store, [CountingView()])
    return store


def count(store):
    with store.transaction() as tx:
        return tx.fetch_one("SELECT n FROM test_counts WHERE k = 'all'")["n"]


def test_redelivered_events_are_not_applied_twice(store):
    view = CountingView()
    apply_batches(store, [view], [SourceBatch("topic:0", [event(1), event(3)])])
    apply_batches(store, [view], [SourceBatch("topic:0", [event(1), event(3), event(5)])])
    assert count(store) == 3


def test_sources_track_their_own_positions(store):
    view = CountingView()
    apply_batches(store, [view], [SourceBatch("topic:0", [event(5)])])
    apply_batches(store, [view], [SourceBatch("topic:1", [event(2), event(4)])])
    assert count(store) == 3


def test_a_replay_floor_covers_every_source(store):
    view = CountingView()
    apply_batches(store, [view], [SourceBatch(FLOOR, [event(1), event(2), event(3)])])
    apply_batches(store, [view], [SourceBatch("topic:0", [event(2), event(4)])])
    assert count(store) == 4


def test_frames_carry_their_event_position_and_are_stored_for_resume(store):
    frames = apply_batches(store, [CountingView()], [SourceBatch(FLOOR, [event(7)])])
    assert [(f["channel"], f["position"]) for f in frames] == [("things", 7)]
    with store.transaction() as tx:
        assert tx.fetch_one("SELECT position FROM push_frames WHERE channel = 'things'")["position"] == 7


def test_a_failing_batch_leaves_nothing_behind(store):
    class Failing(CountingView):
        name = "test_failing"

        def apply(self, envelope, writer):
            super().apply(envelope, writer)
            if envelope.position == 2:
                raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        apply_batches(store, [Failing()], [SourceBatch(FLOOR, [event(1), event(2)])])
    with store.transaction() as tx:
        assert tx.fetch_one("SELECT n FROM test_counts") is None
        assert tx.fetch_all("SELECT * FROM projection_positions WHERE projection = 'test_failing'") == []


def test_a_reset_rebuilds_a_read_model_whose_shape_changed(tmp_path):
    """A replay starts with `reset`: tables made by an older version of a projection, here
    with a column the code no longer writes, come back in the current shape."""
    store = SqliteReadStore(tmp_path / "read.sqlite")
    with store.transaction() as tx:
        tx.execute("CREATE TABLE test_counts (k TEXT PRIMARY KEY, n INTEGER NOT NULL, legacy TEXT NOT NULL)")
    create_tables(store, [CountingView()])
    view = CountingView()
    reset(store, view)
    apply_batches(store, [view], [SourceBatch(FLOOR, [event(1), event(2)])])
    with store.transaction() as tx:
        columns = [row["name"] for row in tx.fetch_all("SELECT name FROM pragma_table_info('test_counts')")]
    assert columns == ["k", "n"]
    assert count(store) == 2
