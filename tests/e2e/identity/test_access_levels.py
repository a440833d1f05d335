"""PATCH users/{id}/access_level/: admins only, known levels only, effective at once."""
from __future__ import annotations

import uuid

import pytest

from tests.e2e.identity.flows import assert_error, me, no_secrets


def set_level(stack, token: str, user_id: str, body: dict):
    with stack.client(token) as http:
        return no_secrets(http.patch(f"/api/v1/users/{user_id}/access_level/", json=body))


def test_an_admin_promotes_and_the_new_level_applies_at_once(stack):
    login = stack.new_user()
    answer = set_level(stack, stack.admin_token(), login["user"]["id"], {"access_level": "support"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["access_level"] == "support" and answer.json()["position"] >= 1
    assert me(stack, login["token"]).json()["user"]["access_level"] == "support"
    with stack.client(login["token"]) as http:
        assert http.get("/api/v1/users/", params={"page_size": 2}).json()["count"] > 1
    again = set_level(stack, stack.admin_token(), login["user"]["id"], {"access_level": "support"})
    assert again.status_code == 200 and again.json()["position"] >= answer.json()["position"]
    demoted = set_level(stack, stack.admin_token(), login["user"]["id"], {"access_level": "user"})
    assert demoted.json()["access_level"] == "user"
    with stack.client(login["token"]) as http:
        assert http.get("/api/v1/users/").json()["count"] == 1


def user_at(stack, level: str) -> dict:
    """A fresh user, raised to `level` by the admin."""
    login = stack.new_user()
    if level != "user":
        set_level(stack, stack.admin_token(), login["user"]["id"], {"access_level": level})
    return login


@pytest.mark.parametrize("level", ["user", "support"])
def test_only_admins_change_access_levels(stack, level):
    actor, target = user_at(stack, level), stack.new_user()
    answer = set_level(stack, actor["token"], target["user"]["id"], {"access_level": "admin"})
    assert_error(answer, 403, "FORBIDDEN")
    own = set_level(stack, actor["token"], actor["user"]["id"], {"access_level": "admin"})
    assert_error(own, 403, "FORBIDDEN")
    assert me(stack, target["token"]).json()["user"]["access_level"] == "user"


@pytest.mark.parametrize("body", [{"access_level": "root"}, {"access_level": None}, {}])
def test_unknown_levels_are_invalid_payloads(stack, body):
    target = stack.new_user()
    assert_error(set_level(stack, stack.admin_token(), target["user"]["id"], body), 400, "INVALID_PAYLOAD")


def test_unknown_users_are_not_found_and_admins_keep_their_own_level(stack):
    admin = stack.admin_token()
    assert_error(set_level(stack, admin, str(uuid.uuid4()), {"access_level": "user"}), 404, "NOT_FOUND")
    admin_id = me(stack, admin).json()["user"]["id"]
    assert_error(set_level(stack, admin, admin_id, {"access_level": "user"}), 403, "FORBIDDEN")


@pytest.mark.parametrize("level", ["user", "support"])
def test_a_non_admin_cannot_tell_which_ids_are_users(stack, level):
    """403 for an unknown id as for a known one: a 404 told a plain user which UUIDs exist."""
    actor, target = user_at(stack, level), stack.new_user()
    known = set_level(stack, actor["token"], target["user"]["id"], {"access_level": "admin"})
    unknown = set_level(stack, actor["token"], str(uuid.uuid4()), {"access_level": "admin"})
    assert assert_error(unknown, 403, "FORBIDDEN")["message"] == assert_error(known, 403, "FORBIDDEN")["message"]
