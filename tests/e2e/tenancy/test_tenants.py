"""Founding tenants and listing one's own, through the public API in every mode."""
from __future__ import annotations

import uuid

import pytest

from tests.e2e.tenancy.conftest import new_slug


def test_the_founder_owns_the_new_tenant_and_sees_it_listed(person):
    owner = person()
    slug = new_slug("acme")
    created = owner.http.post("/api/v1/tenants/", json={"name": "Acme Inc", "slug": slug})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "Acme Inc" and body["slug"] == slug and body["role"] == "owner"
    assert uuid.UUID(body["id"]) and isinstance(body["position"], int)
    assert body["created_at"].endswith("Z")
    listed = owner.http.get("/api/v1/tenants", headers={"X-Min-Position": str(body["position"])})
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert listed.json()["results"] == [
        {"id": body["id"], "name": "Acme Inc", "slug": slug, "role": "owner",
         "created_at": body["created_at"]}]


def test_a_taken_slug_is_a_conflict(person):
    first, second = person(), person()
    slug = new_slug()
    first.found_tenant(slug=slug)
    again = second.http.post("/api/v1/tenants/", json={"name": "Copycat", "slug": slug})
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "CONFLICT" and error["details"] == {"slug": ["already taken"]}
    assert again.headers["x-request-id"] == error["request_id"]
    mine = second.http.get("/api/v1/tenants/")
    assert mine.json()["count"] == 0


@pytest.mark.parametrize("body, field", [
    ({"name": "Acme", "slug": "Upper-Case"}, "slug"),
    ({"name": "Acme", "slug": "a"}, "slug"),
    ({"name": "Acme", "slug": "x" * 51}, "slug"),
    ({"name": "Acme", "slug": "-leading"}, "slug"),
    ({"name": "Acme", "slug": "has space"}, "slug"),
    ({"name": "Acme", "slug": str(uuid.uuid4())}, "slug"),
    ({"name": "", "slug": "fine-slug"}, "name"),
    ({"name": "   ", "slug": "fine-slug"}, "name"),
    ({"slug": "fine-slug"}, "name"),
    ({"name": 7, "slug": "fine-slug"}, "name"),
])
def test_bad_tenant_payloads_are_refused_in_the_envelope(person, body, field):
    answer = person().http.post("/api/v1/tenants/", json=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "INVALID_PAYLOAD"
    assert field in error["message"] or field in str(error["details"])


def test_malformed_json_is_an_invalid_payload(person):
    answer = person().http.post("/api/v1/tenants/", content=b"{not json",
                                headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "INVALID_PAYLOAD"


def test_tenants_need_a_token(stack):
    with stack.client() as anonymous:
        assert anonymous.get("/api/v1/tenants/").status_code == 401
        assert anonymous.post("/api/v1/tenants/", json={"name": "A", "slug": new_slug()}).status_code == 401


def test_the_tenant_list_is_paginated(person):
    owner = person()
    created = [owner.found_tenant(name=f"T{n}") for n in range(3)]
    position = str(created[-1]["position"])
    first = owner.http.get("/api/v1/tenants/?page_size=2", headers={"X-Min-Position": position})
    assert first.status_code == 200
    page = first.json()
    assert page["count"] == 3 and page["previous"] is None
    assert [t["id"] for t in page["results"]] == [t["id"] for t in created[:2]]
    second = owner.http.get(page["next"])
    assert [t["id"] for t in second.json()["results"]] == [created[2]["id"]]
    assert second.json()["next"] is None and "page=1" in second.json()["previous"]
    capped = owner.http.get("/api/v1/tenants/", params={"page_size": 1000})
    assert capped.status_code == 200 and len(capped.json()["results"]) == 3
    for bad in ({"page": 0}, {"page": "abc"}, {"page_size": -1}):
        refused = owner.http.get("/api/v1/tenants/", params=bad)
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "INVALID_PAYLOAD"
