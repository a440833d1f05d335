"""Refresh tokens rotate: each works once, a used one is rejected and revokes its session."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.e2e.identity.flows import assert_error, me, refresh


def test_refresh_rotates_and_the_new_tokens_work(stack):
    login = stack.new_user()
    answer = refresh(stack, login["refresh"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"token", "refresh", "expired_at", "position"}
    assert body["refresh"] != login["refresh"] and body["token"] != login["token"]
    assert 3500 < body["expired_at"] <= 3600
    assert me(stack, body["token"]).status_code == 200
    assert refresh(stack, body["refresh"]).status_code == 200


def test_a_used_refresh_token_is_rejected_and_revokes_the_session(stack):
    login = stack.new_user()
    rotated = refresh(stack, login["refresh"]).json()
    reused = refresh(stack, login["refresh"])
    assert_error(reused, 401, "UNAUTHORIZED")
    assert_error(refresh(stack, rotated["refresh"]), 401, "UNAUTHORIZED")
    assert me(stack, login["token"]).status_code == 200  # access tokens live out their hour


def test_one_refresh_token_used_twice_at_once_succeeds_once(stack):
    login = stack.new_user()
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: refresh(stack, login["refresh"]), range(4)))
    assert [a.status_code for a in answers].count(200) == 1
    assert all(a.status_code in (200, 401) for a in answers), [a.text for a in answers]


def test_sessions_are_independent(stack):
    email = stack.new_user()["user"]["email"]
    first, second = stack.login(email, "password-123"), stack.login(email, "password-123")
    assert refresh(stack, first["refresh"]).status_code == 200
    assert refresh(stack, second["refresh"]).status_code == 200


def test_only_refresh_tokens_refresh(stack):
    login = stack.new_user()
    assert_error(refresh(stack, login["token"]), 401, "UNAUTHORIZED")
    assert_error(refresh(stack, "not-a-token"), 401, "UNAUTHORIZED")
    assert_error(refresh(stack, login["refresh"][:-4] + "AAAA"), 401, "UNAUTHORIZED")
