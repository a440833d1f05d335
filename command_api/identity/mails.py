"""The mails identity sends: what they say, not how they travel (that is infra/email.py)."""
from __future__ import annotations

from domain.identity.user import User
from infra.email import Mailer

CONFIRM_HOW = 'POST /api/v1/auth/confirm_email/ with {"token": "<token>"}'
RESET_HOW = ('POST /api/v1/auth/reset_password/ with {"token": "<token>", "password": "<new>"}\n'
             "If it was not you, ignore this mail; your password stays as it is.")


def send_confirmation(mailer: Mailer, user: User, token: str, lifetime: int) -> None:
    intro = "Welcome to Tessera. Confirm your email address with this token"
    mailer.submit(user.email, "Confirm your Tessera email address",
                  _body(user, intro, token, lifetime, CONFIRM_HOW))


def send_password_reset(mailer: Mailer, user: User, token: str, lifetime: int) -> None:
    intro = "Someone asked to reset your password. If it was you, use this token"
    mailer.submit(user.email, "Reset your Tessera password",
                  _body(user, intro, token, lifetime, RESET_HOW))


def _body(user: User, intro: str, token: str, lifetime: int, how: str) -> str:
    hours = max(1, lifetime // 3600)
    valid = f"valid for {hours} hour{'s' if hours > 1 else ''}"
    return f"Hello {user.first_name},\n\n{intro} ({valid}):\n\nToken: {token}\n\n{how}\n"
