"""Password-reset mails are bounded: 3 per email within 15 minutes, whoever asks, and 20 per
client across emails. Every request mailed the address before, so anyone could flood an inbox
with reset mails. An email without an account is bounded alike: a 429 tells no one who has one.
"""
from __future__ import annotations

import httpx
import pytest

from tests.e2e.identity.flows import assert_error, fresh_email, register
from tests.e2e.identity.test_login_throttle import new_client

FORGOT = "/api/v1/auth/forgot_password/"


def forgot_from(stack, client: str, email: str) -> httpx.Response:
    with stack.client() as http:
        return http.post(FORGOT, json={"email": email}, headers={"X-Forwarded-For": client})


@pytest.mark.parametrize("has_account", [True, False])
def test_a_fourth_reset_request_for_one_email_is_rate_limited_from_any_client(stack, has_account):
    email = fresh_email("reset")
    if has_account:
        register(stack, email=email)
    for _ in range(3):
        assert forgot_from(stack, new_client(), email).status_code == 200
    limited = forgot_from(stack, new_client(), email)
    error = assert_error(limited, 429, "RATE_LIMITED")
    assert error["message"] == "Too many password reset requests; try again later"
    assert 0 < int(limited.headers["retry-after"]) <= 900
    assert forgot_from(stack, new_client(), fresh_email("other")).status_code == 200


def test_one_client_asking_for_many_emails_is_rate_limited(stack):
    client = new_client()
    for _ in range(20):
        assert forgot_from(stack, client, fresh_email("spray")).status_code == 200
    assert_error(forgot_from(stack, client, fresh_email("spray")), 429, "RATE_LIMITED")
    assert forgot_from(stack, new_client(), fresh_email("spray")).status_code == 200
