"""Mailed and refresh tokens: each kind works only as itself, and only while valid."""
from __future__ import annotations

import time
import uuid

import jwt
import pytest

from command_api.identity import tokens
from domain.errors import UnauthorizedError
from domain.identity.errors import InvalidMailTokenError, RefreshRejectedError
from domain.identity.login_session import LoginSession
from domain.identity.user import User
from infra.config import Settings
from infra.web.auth import ALGORITHM, decode_token

SETTINGS = Settings(secret_key="k" * 40)


def user() -> User:
    return User("ana@tessera.test", "hash", "Ana", "Lima")


def test_a_mailed_token_names_its_user_version_and_email_and_only_its_purpose():
    ana = user()
    token, lifetime = tokens.mail_token(SETTINGS, ana, tokens.RESET_PASSWORD)
    assert lifetime == 3600
    assert tokens.read_mail_token(SETTINGS, token, tokens.RESET_PASSWORD) == (ana.id, 1, ana.email)
    with pytest.raises(InvalidMailTokenError):
        tokens.read_mail_token(SETTINGS, token, tokens.CONFIRM_EMAIL)
    with pytest.raises(InvalidMailTokenError):
        tokens.read_mail_token(Settings(secret_key="other" * 10), token, tokens.RESET_PASSWORD)


def test_expired_mailed_tokens_are_refused():
    ana = user()
    claims = {"sub": str(ana.id), "tv": 1, "typ": tokens.CONFIRM_EMAIL, "email": ana.email,
              "exp": int(time.time()) - 5}
    expired = jwt.encode(claims, SETTINGS.secret_key, algorithm=ALGORITHM)
    with pytest.raises(InvalidMailTokenError):
        tokens.read_mail_token(SETTINGS, expired, tokens.CONFIRM_EMAIL)


def test_refresh_tokens_name_their_session_and_access_tokens_are_not_refresh_tokens():
    ana = user()
    session = LoginSession(ana.id, "jti-1", ana.token_version)
    issued = tokens.session_tokens(SETTINGS, ana, session)
    assert tokens.read_refresh_token(SETTINGS, issued["refresh"]) == (session.id, "jti-1")
    with pytest.raises(RefreshRejectedError):
        tokens.read_refresh_token(SETTINGS, issued["token"])
    no_session = jwt.encode({"sub": str(uuid.uuid4()), "tv": 1, "typ": "refresh",
                             "exp": int(time.time()) + 60}, SETTINGS.secret_key, algorithm=ALGORITHM)
    with pytest.raises(RefreshRejectedError):
        tokens.read_refresh_token(SETTINGS, no_session)


@pytest.mark.parametrize("changed", [{"exp": str(int(time.time()) + 60)}, {"exp": time.time() + 60.5},
                                     {"tv": "1"}, {"tv": True}, {"sub": "ana"}, {"typ": ["access"]}])
def test_a_token_signed_with_our_key_but_claims_of_other_types_is_refused_every_time(changed):
    """Such a token passed the JWT check, and its second use (from the verified-token cache)
    compared a text expiry with a number: a 500 on every route and a 4500 on every socket."""
    claims = {"sub": str(uuid.uuid4()), "tv": 1, "typ": "access", "exp": int(time.time()) + 60, **changed}
    odd = jwt.encode(claims, SETTINGS.secret_key, algorithm=ALGORITHM)
    for _ in range(2):
        with pytest.raises(UnauthorizedError):
            decode_token(SETTINGS, odd, "access")
