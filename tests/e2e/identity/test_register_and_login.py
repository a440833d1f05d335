"""Registration and login through the public API, in every mode."""
from __future__ import annotations

import pytest

from tests.e2e.identity.flows import (
    PASSWORD,
    assert_error,
    fresh_email,
    me,
    no_secrets,
    post,
    register,
)

USER_FIELDS = {"id", "email", "first_name", "last_name", "phone", "gender", "date_of_birth", "avatar_url",
               "access_level", "email_confirmed", "is_active", "date_joined"}


def test_registration_answers_the_user_and_a_dev_confirmation_token(stack):
    email = fresh_email("ana")
    body = register(stack, email=email.upper(), first_name="Ana", phone="+34 600 000 000",
                    gender="female", date_of_birth="1990-04-01")
    assert set(body["user"]) == USER_FIELDS
    assert body["user"]["email"] == email
    assert body["user"]["date_of_birth"] == "1990-04-01"
    assert body["user"]["access_level"] == "user"
    assert body["user"]["email_confirmed"] is False and body["user"]["is_active"] is True
    assert body["user"]["date_joined"].endswith("Z")
    assert isinstance(body["expired_at"], int) and body["expired_at"] > 0
    assert body["token"] and body["position"] >= 1


def test_login_answers_user_tokens_and_seconds_left(stack):
    email = fresh_email()
    register(stack, email=email, first_name="Ana")
    login = post(stack, "/api/v1/auth/login/", {"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    body = login.json()
    assert body["user"]["email"] == email and set(body["user"]) == USER_FIELDS
    assert body["token"] != body["refresh"]
    assert 3500 < body["expired_at"] <= 3600
    answer = me(stack, body["token"])
    assert answer.status_code == 200
    assert answer.json()["user"]["first_name"] == "Ana"
    assert answer.json()["token"] == body["token"]
    assert 0 < answer.json()["expired_at"] <= 3600
    assert int(answer.headers["x-projection-position"]) >= 1


def test_login_matches_the_email_whatever_its_case(stack):
    email = fresh_email()
    register(stack, email=email)
    login = post(stack, "/api/v1/auth/login/", {"email": f"  {email.upper()}", "password": PASSWORD})
    assert login.status_code == 200


@pytest.mark.parametrize("credentials", [
    {"password": "wrong-password"},
    {"email": "nobody-at-all@tessera.test"},
])
def test_wrong_credentials_are_unauthorized(stack, credentials):
    email = fresh_email()
    register(stack, email=email)
    answer = post(stack, "/api/v1/auth/login/", {"email": email, "password": PASSWORD, **credentials})
    error = assert_error(answer, 401, "UNAUTHORIZED")
    assert error["message"] == "Invalid email or password"


def test_duplicate_email_is_a_conflict_in_the_envelope(stack):
    email = fresh_email("dup")
    register(stack, email=email)
    again = post(stack, "/api/v1/auth/register/", {
        "email": email.upper(), "password": "password-123", "first_name": "A", "last_name": "B"})
    error = assert_error(again, 409, "CONFLICT")
    assert error["details"] == {"email": ["already registered"]}


@pytest.mark.parametrize(("change", "field"), [
    ({"email": "not-an-email"}, "email"),
    ({"password": "short"}, "password"),
    ({"first_name": ""}, "first_name"),
    ({"date_of_birth": "yesterday"}, "date_of_birth"),
    ({"is_admin": True}, "is_admin"),
    ({"first_name": "   "}, "first_name"),
    ({"last_name": " \t"}, "last_name"),
    ({"password": " " * 8}, "password"),
    ({"date_of_birth": "2990-01-01"}, "date_of_birth"),
    ({"date_of_birth": "9999-12-31"}, "date_of_birth"),
])
def test_invalid_registrations_are_refused_in_the_envelope(stack, change, field):
    body = {"email": fresh_email(), "password": PASSWORD, "first_name": "A", "last_name": "B", **change}
    error = assert_error(post(stack, "/api/v1/auth/register/", body), 400, "INVALID_PAYLOAD")
    assert field in error["message"] or field in error["details"], error


def test_missing_fields_and_malformed_json_are_invalid_payloads(stack):
    assert_error(post(stack, "/api/v1/auth/login/", {"email": fresh_email()}), 400, "INVALID_PAYLOAD")
    with stack.client() as http:
        broken = no_secrets(http.post("/api/v1/auth/login/", content=b"{not json",
                                      headers={"content-type": "application/json"}))
    assert_error(broken, 400, "INVALID_PAYLOAD")


def test_admin_is_bootstrapped_from_the_environment(stack):
    answer = me(stack, stack.admin_token())
    assert answer.json()["user"]["access_level"] == "admin"
    assert answer.json()["user"]["email_confirmed"] is True
