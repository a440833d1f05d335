"""The mails identity sends: what they say, and the outbox that makes sure they leave.

A request stores the mail to send (`account_mails(...).enqueue`) before it answers; the
outbox's sender composes it when it sends it (infra/mail_outbox.py), so the token in the mail
is made then, from the user as they are then.
"""
from __future__ import annotations

from functools import partial
from uuid import UUID

from command_api.identity import tokens
from domain.errors import NotFoundError
from domain.identity.application import IdentityApplication
from domain.identity.user import User
from infra.config import Settings
from infra.email import Mail, Mailer
from infra.mail_outbox import MailOutbox, Queued
from infra.runtime import Runtime

CONFIRM, RESET = tokens.CONFIRM_EMAIL, tokens.RESET_PASSWORD
CONFIRM_HOW = 'POST /api/v1/auth/confirm_email/ with {"token": "<token>"}'
RESET_HOW = ('POST /api/v1/auth/reset_password/ with {"token": "<token>", "password": "<new>"}\n'
             "If it was not you, ignore this mail; your password stays as it is.")


def account_mails(runtime: Runtime) -> MailOutbox:
    """This process's outbox of account mails (`runtime.part(account_mails)`). A mail still
    unsent when a token it carries would have expired (a day to confirm, an hour to reset)
    is given up."""
    compose = partial(composed, runtime.app(IdentityApplication), runtime.settings)
    return MailOutbox(runtime.store, runtime.resource(Mailer.from_settings), compose,
                      give_up_after=dict(tokens.MAIL_TOKEN_SECONDS),
                      late_after=runtime.settings.mail_late_seconds)


def composed(identity: IdentityApplication, settings: Settings, queued: Queued) -> Mail | None:
    """The mail for a stored one, or None once it is not wanted: the account is gone or
    deactivated, or (a confirmation) its address was confirmed meanwhile."""
    try:
        user = identity.get_user(UUID(queued.subject_id))
    except NotFoundError:
        return None
    if not user.is_active or (queued.kind == CONFIRM and user.email_confirmed):
        return None
    token, lifetime = tokens.mail_token(settings, user, queued.kind)
    if queued.kind == CONFIRM:
        return confirmation(user, token, lifetime)
    return password_reset(user, token, lifetime)


def confirmation(user: User, token: str, lifetime: int) -> Mail:
    intro = "Welcome to Tessera. Confirm your email address with this token"
    return Mail(user.email, "Confirm your Tessera email address",
                _body(user, intro, token, lifetime, CONFIRM_HOW))


def password_reset(user: User, token: str, lifetime: int) -> Mail:
    intro = "Someone asked to reset your password. If it was you, use this token"
    return Mail(user.email, "Reset your Tessera password",
                _body(user, intro, token, lifetime, RESET_HOW))


def _body(user: User, intro: str, token: str, lifetime: int, how: str) -> str:
    hours = max(1, lifetime // 3600)
    valid = f"valid for {hours} hour{'s' if hours > 1 else ''}"
    return f"Hello {user.first_name},\n\n{intro} ({valid}):\n\nToken: {token}\n\n{how}\n"
