"""Confirm-email and password-reset tokens (dev mode shows them in bodies), in every mode."""
from __future__ import annotations

from tests.e2e.identity.flows import (
    NEW_PASSWORD,
    PASSWORD,
    assert_error,
    fresh_email,
    me,
    post,
    refresh,
    register,
)

FORGOT = "/api/v1/auth/forgot_password/"
RESET = "/api/v1/auth/reset_password/"
CONFIRM = "/api/v1/auth/confirm_email/"


def test_confirming_the_email_answers_the_user_and_an_access_token(stack):
    registered = register(stack)
    answer = post(stack, CONFIRM, {"token": registered["token"]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["user"]["email_confirmed"] is True
    assert 3500 < body["expired_at"] <= 3600
    shown = me(stack, body["token"])
    assert shown.status_code == 200 and shown.json()["user"]["email_confirmed"] is True
    assert post(stack, CONFIRM, {"token": registered["token"]}).status_code == 200  # twice is harmless


def test_bad_confirmation_tokens_are_invalid_payloads(stack):
    login = stack.new_user()
    for token in ("garbage", login["token"], login["refresh"]):
        error = assert_error(post(stack, CONFIRM, {"token": token}), 400, "INVALID_PAYLOAD")
        assert error["details"] == {"token": ["invalid or expired"]}


def test_forgot_password_answers_the_same_message_whether_or_not_the_email_exists(stack):
    email = fresh_email()
    register(stack, email=email)
    known = post(stack, FORGOT, {"email": email})
    unknown = post(stack, FORGOT, {"email": fresh_email("nobody")})
    assert known.status_code == unknown.status_code == 200
    assert known.json()["message"] == unknown.json()["message"]
    assert known.json()["token"]
    assert "token" not in unknown.json()


def test_reset_password_changes_it_and_every_older_token_stops_working(stack):
    email = fresh_email()
    register(stack, email=email)
    login = stack.login(email, PASSWORD)
    token = post(stack, FORGOT, {"email": email}).json()["token"]

    answer = post(stack, RESET, {"token": token, "password": NEW_PASSWORD})
    assert answer.status_code == 200, answer.text
    assert answer.json()["user"]["email"] == email
    assert me(stack, answer.json()["token"]).status_code == 200

    assert_error(me(stack, login["token"]), 401, "UNAUTHORIZED")
    assert_error(refresh(stack, login["refresh"]), 401, "UNAUTHORIZED")
    old_password = post(stack, "/api/v1/auth/login/", {"email": email, "password": PASSWORD})
    assert_error(old_password, 401, "UNAUTHORIZED")
    assert stack.login(email, NEW_PASSWORD)["user"]["email"] == email


def test_a_reset_token_works_once(stack):
    email = fresh_email()
    register(stack, email=email)
    first = post(stack, FORGOT, {"email": email}).json()["token"]
    second = post(stack, FORGOT, {"email": email}).json()["token"]
    assert post(stack, RESET, {"token": first, "password": NEW_PASSWORD}).status_code == 200
    again = post(stack, RESET, {"token": first, "password": "third-password-789"})
    assert_error(again, 400, "INVALID_PAYLOAD")
    older = post(stack, RESET, {"token": second, "password": "third-password-789"})
    assert_error(older, 400, "INVALID_PAYLOAD")
    assert stack.login(email, NEW_PASSWORD)["token"]


def test_a_confirmation_token_cannot_reset_a_password(stack):
    registered = register(stack)
    answer = post(stack, RESET, {"token": registered["token"], "password": NEW_PASSWORD})
    assert_error(answer, 400, "INVALID_PAYLOAD")
    assert_error(post(stack, RESET, {"token": "x", "password": "short"}), 400, "INVALID_PAYLOAD")
