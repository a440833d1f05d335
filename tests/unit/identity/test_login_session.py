"""Login sessions: refresh tokens rotate, a reused one revokes, a new token version ends them."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from eventsourcing.persistence import IntegrityError

from domain.identity.errors import (
    InvalidCredentialsError,
    RefreshRejectedError,
    RefreshReusedError,
)
from domain.identity.login_session import LoginSession
from tests.unit.identity.conftest import plain_text_verify


def logged_in(identity, email: str = "ana@tessera.test"):
    identity.register(email, "hash:secret", "Ana", "Lima")
    return identity.log_in(email, "secret", plain_text_verify, "jti-1")


def test_each_refresh_token_is_accepted_once(identity):
    _, session = logged_in(identity)
    _, rotated = identity.refresh_session(session.id, "jti-1", "jti-2")
    assert rotated.refresh_jti == "jti-2"
    identity.refresh_session(session.id, "jti-2", "jti-3")
    with pytest.raises(RefreshReusedError):
        identity.refresh_session(session.id, "jti-2", "jti-4")


def test_a_reused_token_revokes_the_session_for_its_successor_too(identity):
    _, session = logged_in(identity)
    identity.refresh_session(session.id, "jti-1", "jti-2")
    with pytest.raises(RefreshReusedError):
        identity.refresh_session(session.id, "jti-1", "jti-x")
    assert identity.load(LoginSession, session.id).revoked
    with pytest.raises(RefreshRejectedError):
        identity.refresh_session(session.id, "jti-2", "jti-3")


def test_a_password_reset_or_deactivation_ends_every_session(identity):
    user, session = logged_in(identity)
    _, other = identity.log_in(user.email, "secret", plain_text_verify, "jti-b")
    identity.reset_password(user.id, user.token_version, "hash:new")
    with pytest.raises(RefreshRejectedError):
        identity.refresh_session(session.id, "jti-1", "jti-2")
    identity.deactivate(user.id)
    with pytest.raises(RefreshRejectedError):
        identity.refresh_session(other.id, "jti-b", "jti-c")
    with pytest.raises(InvalidCredentialsError):
        identity.log_in(user.email, "new", lambda stored, given: True, "jti-d")


def test_two_rotations_of_one_token_racing_leave_one_winner(identity):
    _, session = logged_in(identity)
    first = identity.load(LoginSession, session.id)
    second = identity.load(LoginSession, session.id)
    user = identity.get_user(session.user_id)
    first.rotate("jti-1", "jti-a", user)
    second.rotate("jti-1", "jti-b", user)
    identity.save(first)
    with pytest.raises(IntegrityError):
        identity.save(second)
    assert identity.load(LoginSession, session.id).refresh_jti == "jti-a"


def test_concurrent_refreshes_through_the_application_succeed_once(identity):
    _, session = logged_in(identity)

    def refresh(n: int) -> str:
        try:
            identity.refresh_session(session.id, "jti-1", f"jti-{n + 2}")
        except RefreshRejectedError:
            return "rejected"
        return "ok"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(refresh, range(8)))
    assert outcomes.count("ok") == 1


def test_an_unknown_email_still_costs_a_password_check(identity):
    checked = []

    def verify(stored: str, given: str) -> bool:
        checked.append(stored)
        return plain_text_verify(stored, given)

    with pytest.raises(InvalidCredentialsError):
        identity.log_in("nobody@tessera.test", "secret", verify, "jti-1")
    assert checked == [""]
