"""Notifications: one stored notification per message, and each user's marks on the feed.

A platform notification is stored once, however many users read it; what differs per user
(read, hidden) lives in that user's `NotificationInbox`, so marking never contends with other
readers of the same notification.
"""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate, stable_id
from domain.notifications.errors import AudienceError, NotificationNotFoundError

AUDIENCES = ("platform", "user")


class Notification(Aggregate):
    @event("NotificationCreated")
    def __init__(self, title: str, message: str, obj_code: str, obj_id: UUID | None) -> None:
        self.title, self.message = title, message
        self.obj_code, self.obj_id = obj_code, obj_id

    @staticmethod
    def check_audience(obj_code: str, obj_id: UUID | None) -> None:
        if obj_code not in AUDIENCES:
            raise AudienceError("must be 'platform' or 'user'", "obj_code")
        if obj_code == "user" and obj_id is None:
            raise AudienceError("a user notification needs the user's id", "obj_id")
        if obj_code == "platform" and obj_id is not None:
            raise AudienceError("a platform notification has no obj_id", "obj_id")


class NotificationInbox(Aggregate):
    """One user's read and hidden marks, over every notification that user receives."""

    @staticmethod
    def id_for(user_id: UUID) -> UUID:
        return stable_id("notification-inbox", str(user_id))

    @classmethod
    def create_id(cls, user_id: UUID) -> UUID:  # type: ignore[override]
        return cls.id_for(user_id)

    @event("NotificationInboxOpened")
    def __init__(self, user_id: UUID) -> None:
        self.user_id = user_id
        self.read: set[UUID] = set()
        self.hidden: set[UUID] = set()

    def mark_read(self, notification_id: UUID) -> None:
        """Marking twice records nothing new; a hidden notification is gone for this user."""
        if notification_id in self.hidden:
            raise NotificationNotFoundError()
        if notification_id not in self.read:
            self._read(notification_id, self.user_id)

    def hide(self, notification_id: UUID) -> None:
        if notification_id in self.hidden:
            raise NotificationNotFoundError()
        self._deleted(notification_id, self.user_id)

    @event("NotificationRead")
    def _read(self, notification_id: UUID, user_id: UUID) -> None:
        self.read.add(notification_id)

    @event("NotificationDeleted")
    def _deleted(self, notification_id: UUID, user_id: UUID) -> None:
        self.hidden.add(notification_id)
