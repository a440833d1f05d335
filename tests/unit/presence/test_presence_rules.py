"""Presence rules: only transitions are events, and settling re-observes after each change."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from eventsourcing.popo import POPOApplicationRecorder

from domain.presence.application import PresenceApplication
from domain.presence.presence import Presence
from infra.eventstore import MsgspecMapper

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def presence() -> PresenceApplication:
    return PresenceApplication(POPOApplicationRecorder(), MsgspecMapper())


def event_types(app: PresenceApplication, user_id: uuid.UUID) -> list[str]:
    return [type(e).__name__ for e in app.events.get(Presence.id_for(user_id))]


def test_only_changes_of_state_are_recorded(presence):
    user = uuid.uuid4()
    for online in (True, True, False, False, True):
        presence.settle(user, lambda online=online: (online, NOW))
    assert event_types(presence, user) == ["PresenceTracked", "UserCameOnline", "UserWentOffline",
                                           "UserCameOnline"]


def test_a_user_never_seen_online_records_nothing_when_observed_offline(presence):
    user = uuid.uuid4()
    assert presence.settle(user, lambda: (False, NOW)) is False
    assert event_types(presence, user) == []


def test_going_offline_keeps_when_the_user_was_last_seen(presence):
    user = uuid.uuid4()
    presence.settle(user, lambda: (True, NOW))
    presence.settle(user, lambda: (False, NOW))
    went = list(presence.events.get(Presence.id_for(user)))[-1]
    assert went.last_seen == NOW and went.user_id == user
    assert presence.repository.get(Presence.id_for(user)).last_seen == NOW


def test_settling_observes_again_after_a_change_until_it_holds(presence):
    """A tab opens elsewhere while the last one here closes: the second look sees it."""
    user = uuid.uuid4()
    presence.settle(user, lambda: (True, NOW))
    looks = iter([(False, NOW), (True, NOW), (True, NOW)])
    assert presence.settle(user, lambda: next(looks)) is True
    assert event_types(presence, user)[-2:] == ["UserWentOffline", "UserCameOnline"]
