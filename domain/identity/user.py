"""Users and the uniqueness of their email addresses."""
from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate, stable_id

ACCESS_LEVELS = ("admin", "support", "user")


class User(Aggregate):
    @event("UserRegistered")
    def __init__(self, email: str, password_hash: str, first_name: str, last_name: str,
                 phone: str | None = None, gender: str | None = None, date_of_birth: date | None = None,
                 access_level: str = "user", email_confirmed: bool = False) -> None:
        self.email = email
        self.password_hash = password_hash
        self.first_name, self.last_name = first_name, last_name
        self.phone, self.gender, self.date_of_birth = phone, gender, date_of_birth
        self.avatar_url: str | None = None
        self.access_level = access_level
        self.email_confirmed = email_confirmed
        self.is_active = True
        self.token_version = 1

    @event("UserEmailConfirmed")
    def confirm_email(self) -> None:
        self.email_confirmed = True

    @event("UserProfileUpdated")
    def update_profile(self, changes: dict[str, str | None]) -> None:
        for field, value in changes.items():
            setattr(self, field, value)

    @event("UserAccessLevelChanged")
    def change_access_level(self, access_level: str) -> None:
        self.access_level = access_level

    @event("UserPasswordChanged")
    def change_password(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.token_version += 1

    @event("UserDeactivated")
    def deactivate(self) -> None:
        self.is_active = False
        self.token_version += 1


class EmailClaim(Aggregate):
    """Owns one email address, so two registrations of it conflict in the store."""

    @staticmethod
    def id_for(email: str) -> UUID:
        return stable_id("email", email.strip().lower())

    @classmethod
    def create_id(cls, email: str, user_id: UUID) -> UUID:  # type: ignore[override]
        return cls.id_for(email)

    @event("EmailClaimed")
    def __init__(self, email: str, user_id: UUID) -> None:
        self.email = email
        self.user_id = user_id
