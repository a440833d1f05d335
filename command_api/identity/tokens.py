"""The tokens identity hands out besides access tokens: refresh tokens and mailed tokens.

All are JWTs signed with the secret key, told apart by `typ`. A refresh token names its login
session (`sid`) and is accepted only while it is the session's current one (`jti`). A mailed
token is short-lived; a reset token carries the user's `token_version`, which the reset bumps,
so it works once.
"""
from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

from domain.errors import UnauthorizedError
from domain.identity.errors import InvalidMailTokenError, RefreshRejectedError
from domain.identity.login_session import LoginSession
from domain.identity.user import User
from infra.config import Settings
from infra.web.auth import ALGORITHM, decode_token, issue_token

CONFIRM_EMAIL = "confirm_email"
RESET_PASSWORD = "reset_password"
MAIL_TOKEN_SECONDS = {CONFIRM_EMAIL: 24 * 3600, RESET_PASSWORD: 3600}


def new_jti() -> str:
    return uuid.uuid4().hex


def access_token(settings: Settings, user: User) -> dict[str, Any]:
    token, lifetime = issue_token(settings, user.id, user.token_version, "access")
    return {"token": token, "expired_at": lifetime}


def session_tokens(settings: Settings, user: User, session: LoginSession) -> dict[str, Any]:
    """An access token and the session's current refresh token."""
    refresh, _ = issue_token(settings, user.id, session.token_version, "refresh",
                             {"sid": str(session.id), "jti": session.refresh_jti})
    return {**access_token(settings, user), "refresh": refresh}


def read_refresh_token(settings: Settings, token: str) -> tuple[uuid.UUID, str]:
    """The session and token id a refresh token names, or RefreshRejectedError."""
    try:
        claims = decode_token(settings, token, "refresh")
        return uuid.UUID(str(claims["sid"])), str(claims["jti"])
    except (UnauthorizedError, KeyError, ValueError):
        raise RefreshRejectedError() from None


def mail_token(settings: Settings, user: User, purpose: str) -> tuple[str, int]:
    """A token to mail for `purpose`, and its lifetime in seconds."""
    lifetime, now = MAIL_TOKEN_SECONDS[purpose], int(time.time())
    claims = {"sub": str(user.id), "tv": user.token_version, "typ": purpose, "email": user.email,
              "iat": now, "exp": now + lifetime, "jti": new_jti()}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), lifetime


def read_mail_token(settings: Settings, token: str, purpose: str) -> tuple[uuid.UUID, int, str]:
    """The user id, token version and email a mailed token was issued for."""
    try:
        claims = decode_token(settings, token, purpose)
        return uuid.UUID(str(claims["sub"])), int(claims["tv"]), str(claims["email"])
    except (UnauthorizedError, KeyError, ValueError, TypeError):
        raise InvalidMailTokenError() from None
