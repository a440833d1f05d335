"""Identity commands: one method each; changes to one user are serialised per user."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder, IntegrityError, Mapper

from domain.aggregate import Aggregate
from domain.application import ContextApplication
from domain.concurrency import KeyedLocks, serialised
from domain.errors import NotFoundError
from domain.identity.errors import EmailTakenError, InvalidCredentialsError, RefreshRejectedError
from domain.identity.login_session import LoginSession
from domain.identity.user import EmailClaim, User, check_birth_date, normalized_email

A = TypeVar("A", bound=Aggregate)


class IdentityApplication(ContextApplication):
    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID],
                 snapshots: AggregateRecorder | None = None) -> None:
        super().__init__(recorder, mapper, snapshots)
        self.user_locks = KeyedLocks()

    def register(self, email: str, password_hash: str, first_name: str, last_name: str,
                 phone: str | None = None, gender: str | None = None,
                 date_of_birth: date | None = None, access_level: str = "user",
                 email_confirmed: bool = False) -> User:
        check_birth_date(date_of_birth)
        user = User(normalized_email(email), password_hash, first_name, last_name, phone, gender,
                    date_of_birth, access_level, email_confirmed)
        try:
            self.save(user, EmailClaim(user.email, user.id))
        except IntegrityError:
            raise EmailTakenError() from None
        return user

    def user_by_email(self, email: str) -> User | None:
        try:
            claim = self.load(EmailClaim, EmailClaim.id_for(email))
        except NotFoundError:
            return None
        return self.load(User, claim.user_id)

    def authenticate(self, email: str, password: str, verify: Callable[[str, str], bool]) -> User:
        """The password is checked even for an unknown email (against no hash: `verify("", …)`
        spends what a real check does), so the answer's timing does not tell who has an account."""
        user = self.user_by_email(email)
        matches = verify(user.password_hash if user is not None else "", password)
        if user is None or not user.is_active or not matches:
            raise InvalidCredentialsError()
        return user

    def log_in(self, email: str, password: str, verify: Callable[[str, str], bool],
               refresh_jti: str) -> tuple[User, LoginSession]:
        user = self.authenticate(email, password, verify)
        session = LoginSession(user.id, refresh_jti, user.token_version)
        self.save(session)
        return user, session

    def refresh_session(self, session_id: UUID, used_jti: str,
                        next_jti: str) -> tuple[User, LoginSession]:
        session = self.load(LoginSession, session_id)
        user = self.load(User, session.user_id)
        try:
            session.rotate(used_jti, next_jti, user)
        finally:
            self._save_changes(session, conflict=RefreshRejectedError())
        return user, session

    def confirm_email(self, user_id: UUID, email: str) -> User:
        return self._changing(user_id, lambda user: user.confirm_email(email))

    def reset_password(self, user_id: UUID, token_version: int, password_hash: str) -> User:
        return self._changing(user_id, lambda user: user.reset_password(password_hash, token_version))

    def update_profile(self, user_id: UUID, changes: dict[str, str | None]) -> User:
        return self._changing(user_id, lambda user: user.update_profile(changes))

    def deactivate(self, user_id: UUID) -> User:
        return self._changing(user_id, User.deactivate)

    def change_access_level(self, admin_id: UUID, user_id: UUID, access_level: str) -> User:
        admin = self.load(User, admin_id)
        admin.authorize_admin()
        return self._changing(user_id, lambda user: user.set_access_level(access_level, admin))

    def get_user(self, user_id: UUID) -> User:
        return self.load(User, user_id)

    def _changing(self, user_id: UUID, change: Callable[[User], None]) -> User:
        """Load, change and save one user under its lock: concurrent commands on one user (two
        profile edits at once) take turns instead of failing on each other's version, and a
        conflict with another process is retried."""
        def attempt() -> User:
            user = self.load(User, user_id)
            change(user)
            return self._save_changes(user)

        return serialised(self.user_locks, [user_id], attempt)

    def _save_changes(self, aggregate: A, conflict: Exception | None = None) -> A:
        """Save only if a rule recorded something; a concurrent change raises `conflict`."""
        if not aggregate.pending_events:
            return aggregate
        try:
            self.save(aggregate)
        except IntegrityError:
            if conflict is None:
                raise
            raise conflict from None
        return aggregate

    def prepare_registrations(self, people: list[tuple[str, str, str, str | None]],
                              password_hash: str) -> list[Aggregate]:
        """New users of (email, first_name, last_name, phone) rows and their email claims, not
        saved yet (a batch import builds the next batch while the previous one saves)."""
        users = [User(normalized_email(email), password_hash, first, last, phone)
                 for email, first, last, phone in people]
        return [*users, *(EmailClaim(u.email, u.id) for u in users)]

    def register_many(self, registrations: list[Aggregate], *also: Aggregate) -> None:
        """Save prepared registrations (and `also`) in one transaction; if any email is taken,
        nothing is saved and EmailTakenError is raised."""
        try:
            self.save(*registrations, *also)
        except IntegrityError:
            raise EmailTakenError() from None
