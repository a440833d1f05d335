"""Users and the uniqueness of their email addresses."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate, stable_id
from domain.identity.errors import (
    FutureBirthDateError,
    InvalidMailTokenError,
    NotAdminError,
    NothingToUpdateError,
    OwnAccessLevelError,
    UnknownAccessLevelError,
)

ACCESS_LEVELS = ("admin", "support", "user")
PROFILE_FIELDS = ("first_name", "last_name", "phone", "gender", "date_of_birth", "avatar_url")


def normalized_email(email: str) -> str:
    """The form an email is stored, claimed, throttled and looked up in: `Ann@X.org ` and
    `ann@x.org` are one account."""
    return email.strip().lower()


def check_birth_date(born: date | None) -> None:
    """A birth date after today in the earliest time zone (UTC+14) is a typo, not a person."""
    if born is not None and born > (datetime.now(UTC) + timedelta(hours=14)).date():
        raise FutureBirthDateError()


class User(Aggregate):
    """A person who logs in. `token_version` changes whenever every token issued so far must die."""

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

    def confirm_email(self, email: str) -> None:
        """Confirm the address a token was issued for; confirming twice changes nothing."""
        if not self.is_active or email != self.email:
            raise InvalidMailTokenError()
        if not self.email_confirmed:
            self._email_confirmed()

    def reset_password(self, password_hash: str, token_version: int) -> None:
        """A reset token names the token version it was issued under, so it works once."""
        if not self.is_active or token_version != self.token_version:
            raise InvalidMailTokenError()
        self.change_password(password_hash)

    def update_profile(self, changes: dict[str, str | None]) -> None:
        changes = {field: value for field, value in changes.items() if field in PROFILE_FIELDS}
        if not changes:
            raise NothingToUpdateError()
        born = changes.get("date_of_birth")
        check_birth_date(date.fromisoformat(born) if born else None)
        self._profile_updated(changes)

    def authorize_admin(self) -> None:
        """Checked before the target is loaded, so a non-admin cannot tell which ids are users."""
        if self.access_level != "admin" or not self.is_active:
            raise NotAdminError()

    def set_access_level(self, access_level: str, admin: User) -> None:
        admin.authorize_admin()
        if admin.id == self.id:
            raise OwnAccessLevelError()
        if access_level not in ACCESS_LEVELS:
            raise UnknownAccessLevelError(ACCESS_LEVELS)
        if access_level != self.access_level:
            self._access_level_changed(access_level)

    def deactivate(self) -> None:
        if self.is_active:
            self._deactivated()

    @event("UserEmailConfirmed")
    def _email_confirmed(self) -> None:
        self.email_confirmed = True

    @event("UserProfileUpdated")
    def _profile_updated(self, changes: dict[str, str | None]) -> None:
        for field, value in changes.items():
            parsed = date.fromisoformat(value) if field == "date_of_birth" and value else value
            setattr(self, field, parsed)

    @event("UserAccessLevelChanged")
    def _access_level_changed(self, access_level: str) -> None:
        self.access_level = access_level

    @event("UserPasswordChanged")
    def change_password(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.token_version += 1

    @event("UserDeactivated")
    def _deactivated(self) -> None:
        self.is_active = False
        self.token_version += 1


class EmailClaim(Aggregate):
    """Owns one email address, so two registrations of it conflict in the store."""

    @staticmethod
    def id_for(email: str) -> UUID:
        return stable_id("email", normalized_email(email))

    @classmethod
    def create_id(cls, email: str, user_id: UUID) -> UUID:  # type: ignore[override]
        return cls.id_for(email)

    @event("EmailClaimed")
    def __init__(self, email: str, user_id: UUID) -> None:
        self.email = email
        self.user_id = user_id
