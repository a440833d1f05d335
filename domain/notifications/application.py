"""Notification commands: one method each; a user's marks are serialised per user."""
from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder, Mapper

from domain.application import ContextApplication
from domain.concurrency import KeyedLocks, serialised
from domain.errors import NotFoundError
from domain.notifications.errors import AudienceError
from domain.notifications.notification import Notification, NotificationInbox


class NotificationsApplication(ContextApplication):
    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID],
                 snapshots: AggregateRecorder | None = None) -> None:
        super().__init__(recorder, mapper, snapshots)
        self.inbox_locks = KeyedLocks()

    def create_notification(self, title: str, message: str, obj_code: str,
                            obj_id: UUID | None) -> Notification:
        Notification.check_audience(obj_code, obj_id)
        if obj_id is not None and self.kind_of(obj_id) != "User":
            raise AudienceError("no such user", "obj_id")
        notification = Notification(title.strip(), message, obj_code, obj_id)
        self.save(notification)
        return notification

    def mark_read(self, user_id: UUID, notification_id: UUID) -> NotificationInbox:
        return self._marking(user_id, lambda inbox: inbox.mark_read(notification_id))

    def hide(self, user_id: UUID, notification_id: UUID) -> NotificationInbox:
        return self._marking(user_id, lambda inbox: inbox.hide(notification_id))

    def _marking(self, user_id: UUID,
                 mark: Callable[[NotificationInbox], None]) -> NotificationInbox:
        def attempt() -> NotificationInbox:
            inbox = self._inbox(user_id)
            mark(inbox)
            if inbox.pending_events:
                self.save(inbox)
            return inbox

        return serialised(self.inbox_locks, [user_id], attempt)

    def _inbox(self, user_id: UUID) -> NotificationInbox:
        try:
            return self.load(NotificationInbox, NotificationInbox.id_for(user_id))
        except NotFoundError:
            return NotificationInbox(user_id)
