"""Repeated failed logins from one client are refused with 429 for a while: for one email
after 5, across emails after 20.

The client is the address the trusted proxy in front names (X-Forwarded-For, as the edge sends
it): each test is a client of its own, so the failures of one do not hold back another.
"""
from __future__ import annotations

import uuid

import httpx

from tests.e2e.identity.flows import PASSWORD, assert_error, fresh_email, no_secrets, register

LOGIN = "/api/v1/auth/login/"


def new_client() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def login_from(stack, client: str, email: str, password: str) -> httpx.Response:
    with stack.client() as http:
        return no_secrets(http.post(LOGIN, json={"email": email, "password": password},
                                    headers={"X-Forwarded-For": client}))


def test_the_sixth_attempt_after_five_failures_is_rate_limited(stack):
    email, client = fresh_email("guess"), new_client()
    register(stack, email=email)
    for attempt in range(5):
        wrong = login_from(stack, client, email, f"guess-{attempt}")
        assert_error(wrong, 401, "UNAUTHORIZED")

    limited = login_from(stack, client, email, "guess-5")
    assert_error(limited, 429, "RATE_LIMITED")
    assert 0 < int(limited.headers["retry-after"]) <= 300

    right = login_from(stack, client, email, PASSWORD)
    assert_error(right, 429, "RATE_LIMITED")  # even the right password waits: no guessing on
    assert login_from(stack, new_client(), email, PASSWORD).status_code == 200  # not for others


def test_the_throttle_is_per_email_and_a_success_clears_it(stack):
    throttled, other, client = fresh_email("guess"), fresh_email("other"), new_client()
    register(stack, email=throttled)
    register(stack, email=other)
    for attempt in range(4):
        login_from(stack, client, other, f"guess-{attempt}")
    assert login_from(stack, client, other, PASSWORD).status_code == 200
    for attempt in range(5):
        login_from(stack, client, throttled, f"guess-{attempt}")
    assert_error(login_from(stack, client, throttled, PASSWORD), 429, "RATE_LIMITED")
    for attempt in range(4):
        assert login_from(stack, client, other, f"guess-{attempt}").status_code == 401
    assert login_from(stack, client, other, PASSWORD).status_code == 200


def test_one_client_spraying_many_emails_is_rate_limited(stack):
    """CONTRACT §2: repeated failures from one client → 429, whatever emails it tries."""
    client, victim = new_client(), fresh_email("victim")
    register(stack, email=victim)
    for n in range(20):
        assert_error(login_from(stack, client, fresh_email(f"spray{n}"), "Winter2026!"), 401, "UNAUTHORIZED")
    limited = login_from(stack, client, victim, "Winter2026!")
    assert_error(limited, 429, "RATE_LIMITED")
    assert 0 < int(limited.headers["retry-after"]) <= 300
    assert login_from(stack, new_client(), victim, PASSWORD).status_code == 200
