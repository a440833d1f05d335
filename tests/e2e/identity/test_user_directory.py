"""GET users/ and users/{id}/: who sees whom, search and pagination (CONTRACT §1, §2)."""
from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.identity.flows import assert_error, no_secrets


def promoted(stack, level: str) -> dict:
    """A fresh user whose access level the bootstrap admin has set to `level`."""
    login = stack.new_user()
    with stack.client(stack.admin_token()) as http:
        answer = http.patch(f"/api/v1/users/{login['user']['id']}/access_level/",
                            json={"access_level": level})
    assert answer.status_code == 200, answer.text
    return login


def get(stack, token: str, path: str, **params):
    with stack.client(token) as http:
        return no_secrets(http.get(path, params=params))


def test_a_user_lists_only_itself(stack):
    login = stack.new_user()
    stack.new_user()
    answer = get(stack, login["token"], "/api/v1/users/")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    assert [user["id"] for user in body["results"]] == [login["user"]["id"]]
    assert get(stack, login["token"], "/api/v1/users", search="zz-no-match").json()["count"] == 0


@pytest.mark.parametrize("level", ["support", "admin"])
def test_staff_search_everyone_by_email_and_names_ignoring_case(stack, level):
    tag = uuid.uuid4().hex[:10]
    by_last = stack.new_user(last_name=f"Núñez{tag}")
    by_first = stack.new_user(first_name=f"ÉLODIE{tag}")
    by_email = stack.new_user(email=f"{tag}@tessera.test")
    staff = promoted(stack, level) if level == "support" else {"token": stack.admin_token()}
    found = get(stack, staff["token"], "/api/v1/users/", search=tag.upper()).json()
    assert found["count"] == 3
    assert {u["id"] for u in found["results"]} == {u["user"]["id"] for u in (by_last, by_first, by_email)}
    accented = get(stack, staff["token"], "/api/v1/users/", search=f"élodie{tag}").json()
    assert [u["id"] for u in accented["results"]] == [by_first["user"]["id"]]
    wildcard = get(stack, staff["token"], "/api/v1/users/", search="%_%").json()
    assert wildcard["count"] == 0


def test_pages_link_to_each_other_with_absolute_urls(stack):
    tag = uuid.uuid4().hex[:10]
    ids = [stack.new_user(last_name=f"Page{tag}")["user"]["id"] for _ in range(3)]
    admin = stack.admin_token()
    first = get(stack, admin, "/api/v1/users/", search=tag, page_size=2).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
    assert first["next"].startswith(stack.base_url)
    assert parse_qs(urlsplit(first["next"]).query) == {"search": [tag], "page": ["2"], "page_size": ["2"]}
    with stack.client(admin) as http:
        second = http.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert {u["id"] for u in first["results"] + second["results"]} == set(ids)
    assert parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
    past_the_end = get(stack, admin, "/api/v1/users/", search=tag, page_size=2, page=9).json()
    assert past_the_end["results"] == []
    assert parse_qs(urlsplit(past_the_end["previous"]).query)["page"] == ["2"]


def test_page_size_is_capped_at_100(stack):
    stack.new_user()
    answer = get(stack, stack.admin_token(), "/api/v1/users/", page_size=1000, page=2).json()
    assert parse_qs(urlsplit(answer["previous"]).query)["page_size"] == ["100"]
    everyone = get(stack, stack.admin_token(), "/api/v1/users/", page_size=1000).json()
    assert len(everyone["results"]) == min(everyone["count"], 100)


@pytest.mark.parametrize("params", [{"page": 0}, {"page": "abc"}, {"page_size": 0}, {"page_size": -5}])
def test_bad_page_parameters_are_invalid_payloads(stack, params):
    error = assert_error(get(stack, stack.admin_token(), "/api/v1/users/", **params), 400, "INVALID_PAYLOAD")
    assert set(error["details"]) <= {"page", "page_size"} and error["details"]


def test_a_user_sees_itself_and_nobody_else_by_id(stack):
    login, other = stack.new_user(), stack.new_user()
    own = get(stack, login["token"], f"/api/v1/users/{login['user']['id']}/")
    assert own.status_code == 200 and own.json()["email"] == login["user"]["email"]
    assert_error(get(stack, login["token"], f"/api/v1/users/{other['user']['id']}/"), 404, "NOT_FOUND")
    assert_error(get(stack, login["token"], "/api/v1/users/not-a-uuid/"), 404, "NOT_FOUND")


@pytest.mark.parametrize("level", ["support", "admin"])
def test_staff_see_anyone_by_id(stack, level):
    other = stack.new_user(first_name="Seen")
    staff = promoted(stack, level)
    answer = get(stack, staff["token"], f"/api/v1/users/{other['user']['id']}")
    assert answer.status_code == 200 and answer.json()["first_name"] == "Seen"
    assert_error(get(stack, staff["token"], f"/api/v1/users/{uuid.uuid4()}/"), 404, "NOT_FOUND")
