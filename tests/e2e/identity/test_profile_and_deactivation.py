"""PATCH users/me edits the profile; DELETE users/me deactivates the account and kills its tokens."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.identity.flows import PASSWORD, assert_error, me, no_secrets, refresh


def patch_me(stack, token: str, body: dict):
    with stack.client(token) as http:
        return no_secrets(http.patch("/api/v1/users/me/", json=body))


def test_profile_fields_are_updated_and_read_back(stack):
    login = stack.new_user()
    change = {"first_name": "Zoë", "last_name": "Ångström", "phone": "+351 900 000 000", "gender": "other",
              "date_of_birth": "1985-12-31", "avatar_url": "https://cdn.example.com/a.png"}
    answer = patch_me(stack, login["token"], change)
    assert answer.status_code == 200, answer.text
    assert {k: answer.json()[k] for k in change} == change
    assert answer.json()["email"] == login["user"]["email"]
    with stack.client(login["token"]) as http:
        shown = http.get("/api/v1/users/me/", headers={"X-Min-Position": str(answer.json()["position"])})
    assert {k: shown.json()["user"][k] for k in change} == change


def test_profile_edits_sent_at_once_all_succeed(stack):
    """Each edit is applied in turn; none is refused as a conflict with the others."""
    token, edits = stack.new_user()["token"], 8
    start = threading.Barrier(edits)

    def edit(n: int):
        start.wait()
        return patch_me(stack, token, {"first_name": f"Name{n}"})

    with ThreadPoolExecutor(max_workers=edits) as pool:
        answers = list(pool.map(edit, range(edits)))
    assert [a.status_code for a in answers] == [200] * edits, [a.text for a in answers]
    last = max(answers, key=lambda a: a.json()["position"]).json()
    with stack.client(token) as http:
        shown = http.get("/api/v1/users/me/", headers={"X-Min-Position": str(last["position"])})
    assert shown.json()["user"]["first_name"] == last["first_name"]


def test_absent_fields_are_kept_and_null_clears_optional_ones(stack):
    login = stack.new_user(phone="+1 555 0100", first_name="Kept")
    answer = patch_me(stack, login["token"], {"phone": None})
    assert answer.status_code == 200, answer.text
    assert answer.json()["phone"] is None and answer.json()["first_name"] == "Kept"


@pytest.mark.parametrize("body", [
    {},
    {"first_name": None},
    {"first_name": ""},
    {"avatar_url": "javascript:alert(1)"},
    {"date_of_birth": "31/12/1985"},
    {"date_of_birth": "9999-12-31"},
    {"first_name": "   "},
    {"last_name": "\n"},
    {"email": "new@tessera.test"},
    {"access_level": "admin"},
])
def test_invalid_profile_changes_are_refused_in_the_envelope(stack, body):
    login = stack.new_user()
    assert_error(patch_me(stack, login["token"], body), 400, "INVALID_PAYLOAD")
    assert me(stack, login["token"]).json()["user"]["access_level"] == "user"


def test_deactivation_revokes_every_token_immediately(stack):
    login = stack.new_user()
    other_session = stack.login(login["user"]["email"], PASSWORD)
    with stack.client(login["token"]) as http:
        gone = http.delete("/api/v1/users/me/")
    assert gone.status_code == 204 and gone.content == b""
    assert_error(me(stack, login["token"]), 401, "UNAUTHORIZED")
    assert_error(me(stack, other_session["token"]), 401, "UNAUTHORIZED")
    assert_error(refresh(stack, login["refresh"]), 401, "UNAUTHORIZED")
    assert_error(refresh(stack, other_session["refresh"]), 401, "UNAUTHORIZED")


def test_a_deactivated_user_cannot_log_in_or_reset_a_password(stack):
    login = stack.new_user()
    email = login["user"]["email"]
    with stack.client() as http:
        reset_token = http.post("/api/v1/auth/forgot_password/", json={"email": email}).json()["token"]
    with stack.client(login["token"]) as http:
        assert http.delete("/api/v1/users/me").status_code == 204
    with stack.client() as http:
        assert_error(http.post("/api/v1/auth/login/", json={"email": email, "password": PASSWORD}),
                     401, "UNAUTHORIZED")
        forgot = http.post("/api/v1/auth/forgot_password/", json={"email": email})
        assert forgot.status_code == 200 and "token" not in forgot.json()
        reset = http.post("/api/v1/auth/reset_password/",
                          json={"token": reset_token, "password": "whatever-123"})
        assert_error(reset, 400, "INVALID_PAYLOAD")
