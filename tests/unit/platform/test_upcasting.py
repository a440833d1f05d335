"""Upcasting: events stored by an older version of an event class read as its current version.

`Parcel.UpcastParcelRegistered` is at version 2: it gained `weight_grams`. An event written by
version 1 has no such field (and no `class_version` in its JSON); `upcast_v1_v2` fills it in
on the way out of the store, for the aggregate (`MsgspecMapper`) and for projections
(`envelope_from_notification`) alike. Events written now carry `"class_version": 2` and are
read as they are.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import uuid4

import msgspec
import pytest
from eventsourcing.domain import event
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.aggregate import Aggregate, Snapshot
from domain.application import ContextApplication
from infra.config import Settings
from infra.envelope import envelope_from_notification
from infra.eventstore import MsgspecMapper, open_recorder


class Parcel(Aggregate):
    class UpcastParcelRegistered(Aggregate.Created, frozen=True, kw_only=True):
        class_version: ClassVar[int] = 2
        name: str
        weight_grams: int  # new in version 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["weight_grams"] = 0

    @event(UpcastParcelRegistered)
    def __init__(self, name: str, weight_grams: int) -> None:
        self.name, self.weight_grams = name, weight_grams


@pytest.fixture
def recorder(tmp_path):
    return open_recorder(Settings(data_dir=tmp_path))


@pytest.fixture
def app(recorder):
    return ContextApplication(recorder, MsgspecMapper())


def store_version_1(recorder: Any, name: str) -> Any:
    """What version 1 of the class wrote: the same JSON without `weight_grams`."""
    parcel_id = uuid4()
    state = {"originator_id": str(parcel_id), "originator_version": 1,
             "timestamp": "2025-03-01T09:30:00.000001Z", "actor_id": None, "tenant_id": None,
             "originator_topic": get_topic(Parcel), "name": name}
    recorder.insert_events([StoredEvent(originator_id=parcel_id, originator_version=1,
                                        topic=get_topic(Parcel.UpcastParcelRegistered),
                                        state=msgspec.json.encode(state))])
    return parcel_id


def notification_of(recorder: Any, parcel_id: Any) -> Any:
    return next(n for n in recorder.select_notifications(start=1, limit=100)
                if n.originator_id == parcel_id)


def test_an_old_event_loads_into_the_current_aggregate(recorder, app):
    parcel_id = store_version_1(recorder, "box")
    parcel = app.load(Parcel, parcel_id)
    assert (parcel.name, parcel.weight_grams, parcel.version) == ("box", 0, 1)


def test_an_old_event_reaches_projections_upcast(recorder):
    parcel_id = store_version_1(recorder, "box")
    envelope = envelope_from_notification(notification_of(recorder, parcel_id))
    assert envelope.type == "UpcastParcelRegistered"
    assert envelope.version == "v2"
    assert envelope.data == {"name": "box", "weight_grams": 0}
    assert envelope.timestamp_text == "2025-03-01T09:30:00.000001Z"


def test_new_events_record_their_version_and_are_not_upcast_again(recorder, app):
    parcel = Parcel("crate", 1200)
    app.save(parcel)
    stored = recorder.select_events(parcel.id)[0]
    assert msgspec.json.decode(stored.state)["class_version"] == 2
    assert app.load(Parcel, parcel.id).weight_grams == 1200
    envelope = envelope_from_notification(notification_of(recorder, parcel.id))
    assert envelope.data == {"name": "crate", "weight_grams": 1200}


class Crate(Aggregate):
    """An aggregate whose snapshot state gained `label` in version 2 of its snapshot class."""

    class State(msgspec.Struct, frozen=True):
        _created_on: datetime
        _modified_on: datetime
        items: int
        label: str  # new in version 2

    class Snapshot(Snapshot, frozen=True, kw_only=True):
        class_version: ClassVar[int] = 2
        state: Crate.State

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["state"]["label"] = "unlabelled"

    @event("CratePacked")
    def __init__(self, items: int, label: str) -> None:
        self.items, self.label = items, label


def test_an_old_snapshot_loads_into_the_current_aggregate(tmp_path):
    """As the README says: a snapshot's class is upcast like an event's."""
    snapshots = MsgspecMapper()
    crate = Crate(3, "fragile")
    stored = snapshots.to_stored_event(Crate.Snapshot.take(crate))
    version_1 = msgspec.json.decode(stored.state)
    del version_1["state"]["label"], version_1["class_version"]
    old = StoredEvent(originator_id=stored.originator_id, originator_version=stored.originator_version,
                      topic=stored.topic, state=msgspec.json.encode(version_1))
    loaded = snapshots.to_domain_event(old).mutate(None)
    assert (type(loaded), loaded.id, loaded.version, loaded.items, loaded.label) == (
        Crate, crate.id, 1, 3, "unlabelled")
