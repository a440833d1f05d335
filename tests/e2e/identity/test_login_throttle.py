"""Repeated failed logins from one client for one email are refused with 429 for a while."""
from __future__ import annotations

from tests.e2e.identity.flows import PASSWORD, assert_error, fresh_email, post, register

LOGIN = "/api/v1/auth/login/"


def test_the_sixth_attempt_after_five_failures_is_rate_limited(stack):
    email = fresh_email("guess")
    register(stack, email=email)
    for attempt in range(5):
        wrong = post(stack, LOGIN, {"email": email, "password": f"guess-{attempt}"})
        assert_error(wrong, 401, "UNAUTHORIZED")

    limited = post(stack, LOGIN, {"email": email, "password": "guess-5"})
    assert_error(limited, 429, "RATE_LIMITED")
    assert 0 < int(limited.headers["retry-after"]) <= 300

    right = post(stack, LOGIN, {"email": email, "password": PASSWORD})
    assert_error(right, 429, "RATE_LIMITED")  # even the right password waits: no guessing on


def test_the_throttle_is_per_email_and_a_success_clears_it(stack):
    throttled, other = fresh_email("guess"), fresh_email("other")
    register(stack, email=throttled)
    register(stack, email=other)
    for attempt in range(4):
        post(stack, LOGIN, {"email": other, "password": f"guess-{attempt}"})
    assert post(stack, LOGIN, {"email": other, "password": PASSWORD}).status_code == 200
    for attempt in range(5):
        post(stack, LOGIN, {"email": throttled, "password": f"guess-{attempt}"})
    assert_error(post(stack, LOGIN, {"email": throttled, "password": PASSWORD}), 429, "RATE_LIMITED")
    for attempt in range(4):
        assert post(stack, LOGIN, {"email": other, "password": f"guess-{attempt}"}).status_code == 401
    assert post(stack, LOGIN, {"email": other, "password": PASSWORD}).status_code == 200
