"""Identity commands: one method each."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.application import ContextApplication
from domain.errors import NotFoundError
from domain.identity.errors import EmailTakenError, InvalidCredentialsError
from domain.identity.user import EmailClaim, User


class IdentityApplication(ContextApplication):
    def register(self, email: str, password_hash: str, first_name: str, last_name: str,
                 phone: str | None = None, gender: str | None = None,
                 date_of_birth: date | None = None, access_level: str = "user",
                 email_confirmed: bool = False) -> User:
        user = User(email.strip().lower(), password_hash, first_name, last_name, phone, gender,
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
        user = self.user_by_email(email)
        if user is None or not user.is_active or not verify(user.password_hash, password):
            raise InvalidCredentialsError()
        return user

    def get_user(self, user_id: UUID) -> User:
        return self.load(User, user_id)
