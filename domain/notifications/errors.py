"""Notifications' refusals."""
from domain.errors import InvalidError, NotFoundError


class AudienceError(InvalidError):
    """`obj_code` and `obj_id` disagree: a user notification names its user, a platform one none."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, {field: [message]})


class NotificationNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Notification not found")
