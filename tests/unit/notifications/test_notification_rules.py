"""Notification rules on the aggregates alone: audiences, and a user's read and hidden marks."""
from __future__ import annotations

import uuid

import pytest

from domain.errors import InvalidError, NotFoundError
from domain.notifications.notification import Notification, NotificationInbox


@pytest.mark.parametrize("obj_code, obj_id", [("user", None), ("platform", uuid.uuid4()),
                                              ("team", None)])
def test_the_audience_must_be_consistent(obj_code, obj_id):
    with pytest.raises(InvalidError):
        Notification.check_audience(obj_code, obj_id)


def test_consistent_audiences_pass():
    Notification.check_audience("platform", None)
    Notification.check_audience("user", uuid.uuid4())


def test_marking_read_twice_records_one_event():
    inbox, notification = NotificationInbox(uuid.uuid4()), uuid.uuid4()
    inbox.mark_read(notification)
    inbox.mark_read(notification)
    names = [type(e).__name__ for e in inbox.collect_events()]
    assert names == ["NotificationInboxOpened", "NotificationRead"]


def test_a_hidden_notification_cannot_be_marked_or_hidden_again():
    user, notification = uuid.uuid4(), uuid.uuid4()
    inbox = NotificationInbox(user)
    inbox.hide(notification)
    with pytest.raises(NotFoundError):
        inbox.mark_read(notification)
    with pytest.raises(NotFoundError):
        inbox.hide(notification)
    hidden = inbox.collect_events()[-1]
    assert (hidden.notification_id, hidden.user_id) == (notification, user)


def test_each_user_has_one_inbox():
    user = uuid.uuid4()
    assert NotificationInbox(user).id == NotificationInbox.id_for(user)
    assert NotificationInbox.id_for(user) != NotificationInbox.id_for(uuid.uuid4())
