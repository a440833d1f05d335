"""Group commit: many commands share one transaction, yet a conflict fails only its command."""
from __future__ import annotations

import threading
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from infra.config import load_settings
from domain.errors import TooLargeError
from infra.eventstore import MAX_EVENT_BYTES, GroupCommitRecorder, _Append, last_position, open_recorder


@pytest.fixture
def recorder(tmp_path):
    return GroupCommitRecorder(open_recorder(load_settings({}, data_dir=str(tmp_path))))


def stored(aggregate_id, version=1):
    return StoredEvent(originator_id=aggregate_id, originator_version=version, topic="t:T", state=b"{}")


def test_concurrent_appends_all_land_with_distinct_positions(recorder):
    positions, errors = [], []

    def append():
        try:
            positions.extend(recorder.insert_events([stored(uuid4())]))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=append) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(positions) == list(range(1, 65))


def test_a_version_conflict_fails_only_the_conflicting_append(recorder):
    contested = uuid4()
    recorder.insert_events([stored(contested)])
    results = {}

    def append(name, event):
        try:
            results[name] = recorder.insert_events([event])
        except IntegrityError:
            results[name] = "conflict"

    threads = [threading.Thread(target=append, args=("loser", stored(contested)))]
    threads += [threading.Thread(target=append, args=(f"ok{i}", stored(uuid4()))) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.pop("loser") == "conflict"
    assert all(isinstance(ids, list) and len(ids) == 1 for ids in results.values())
    assert recorder.max_notification_id() == 21


def test_the_callers_last_position_is_its_own(recorder):
    recorder.insert_events([stored(uuid4())])
    ids = recorder.insert_events([stored(uuid4()), stored(uuid4())])
    assert last_position.get() == max(ids) == 3


def test_a_conflict_in_a_batch_costs_one_more_transaction_not_one_per_append(tmp_path):
    inner = open_recorder(load_settings({}, data_dir=str(tmp_path)))
    contested = uuid4()
    inner.insert_events([stored(contested)])
    inserts = []
    original = inner.insert_events

    def counted(events, **kwargs):
        inserts.append(len(events))
        return original(events, **kwargs)

    inner.insert_events = counted
    recorder = GroupCommitRecorder(inner)
    batch = [_Append([stored(uuid4())]) for _ in range(15)] + [_Append([stored(contested)])]
    recorder._commit(batch)
    assert isinstance(batch[-1].error, IntegrityError)
    assert all(append.ids and not append.error for append in batch[:-1])
    assert inserts == [16, 15], "the failed group, then the 15 others together"


def test_a_store_failure_while_looking_for_the_conflict_reaches_every_caller_of_the_batch(tmp_path):
    inner = open_recorder(load_settings({}, data_dir=str(tmp_path)))
    contested = uuid4()
    inner.insert_events([stored(contested)])

    def unreachable(*args, **kwargs):
        raise OSError("store unreachable")

    inner.select_events = unreachable
    batch = [_Append([stored(uuid4())]), _Append([stored(contested)])]
    GroupCommitRecorder(inner)._commit(batch)
    assert all(append.finished and isinstance(append.error, OSError) for append in batch)


def test_an_event_too_large_for_a_kafka_record_is_refused_alone_and_nothing_is_stored(recorder):
    """The relay could never send it: it resent from it forever, every later event behind it."""
    fits = StoredEvent(originator_id=uuid4(), originator_version=1, topic="t:T", state=b"x" * MAX_EVENT_BYTES)
    too_large = StoredEvent(originator_id=uuid4(), originator_version=1, topic="t:T",
                            state=b"x" * (MAX_EVENT_BYTES + 1))
    with pytest.raises(TooLargeError):
        recorder.insert_events([stored(uuid4()), too_large])
    assert recorder.insert_events([fits]) == [1]
