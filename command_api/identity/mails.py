"""The mails identity sends: what they say, not how they travel (that is infra/email.py)."""
from __future__ import annotations

from domain.identity.user import User
from infra.email import Mailer


def send_confirmation(mailer: Mailer, user: User, token: str, lifetime: int) -> None:
    mailer.submit(user.email, "Confirm your Tessera email address", _body(
        user, "Welcome to Tessera. Confirm your email address with this token", token, lifetime,
        "POST /api/v1/auth/confirm_email/ with {\"token\": \"<token>\"}"))


def send_password_reset(mailer: Mailer, user: User, token: str, lifetime: int) -> None:
    mailer.submit(user.email, "Reset your Tessera password", _body(
        user, "Someone asked to reset your password. If it was you, use this token", token, lifetime,
        "POST /api/v1/auth/reset_password/ with {\"token\": \"<token>\", \"password\": \"<new password>\"}"
        "\nIf it was not you, ignore this mail; your password stays as it is."))


def _body(user: User, intro: str, token: str, lifetime: int, how: str) -> str:
    hours = max(1, lifetime // 3600)
    return (f"Hello {user.first_name},\n\n{intro} (valid for {hours} hour{'s' if hours > 1 else ''}):\n\n"
            f"Token: {token}\n\n{how}\n")
