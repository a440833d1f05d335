"""Group commit on PostgreSQL: a batch whose appends include one on a version already stored
stores every other append in the same single statement and fails only that one."""
from __future__ import annotations

import uuid

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from infra.config import load_settings
from infra.eventstore import GroupCommitRecorder, _Append, open_recorder


def stored(aggregate_id: uuid.UUID, version: int = 1) -> StoredEvent:
    return StoredEvent(originator_id=aggregate_id, originator_version=version, topic="t:T", state=b"{}")


@pytest.fixture
def recorder(fresh_database_url):
    inner = open_recorder(load_settings({"TESSERA_DATABASE_URL": fresh_database_url,
                                         "TESSERA_DB_POOL_SIZE": "2"}))
    yield GroupCommitRecorder(inner)
    inner.datastore.close()


def counting_connections(recorder: GroupCommitRecorder) -> list[int]:
    taken: list[int] = []
    datastore = recorder.inner.datastore
    original = datastore.get_connection

    def counted():
        taken.append(1)
        return original()

    datastore.get_connection = counted
    return taken


def test_a_taken_version_fails_its_append_alone_and_the_rest_land_in_the_same_statement(recorder):
    contested, half_new = uuid.uuid4(), uuid.uuid4()
    recorder.insert_events([stored(contested)])
    connections = counting_connections(recorder)
    batch = [_Append([stored(uuid.uuid4())]) for _ in range(10)]
    batch.insert(3, _Append([stored(contested)]))
    batch.insert(7, _Append([stored(half_new), stored(contested)]))  # all or nothing
    recorder._commit(batch)
    assert connections == [1], "one statement for the whole batch"
    failed = [index for index, append in enumerate(batch) if append.error is not None]
    assert failed == [3, 7]
    assert all(isinstance(batch[index].error, IntegrityError) for index in failed)
    positions = [position for append in batch if append.ids for position in append.ids]
    assert positions == list(range(2, 12)), "the others' positions follow their order in the batch"
    assert recorder.select_events(half_new) == [], "nothing of a conflicting append is stored"
    assert len(recorder.select_events(contested)) == 1


def test_an_append_of_several_aggregates_gets_one_position_per_event(recorder):
    first, second = uuid.uuid4(), uuid.uuid4()
    batch = [_Append([stored(first), stored(second)]), _Append([stored(first, 2)])]
    recorder._commit(batch)
    assert [append.ids for append in batch] == [[1, 2], [3]]
    assert [e.originator_version for e in recorder.select_events(first)] == [1, 2]
