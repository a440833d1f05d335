"""Projects live in one tenant: X-Tenant picks it, membership guards it, other tenants never leak."""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def two_tenants(person):
    """Tenants A and B, each with an owner and a member, and one project made by each member."""
    world = {}
    for name in ("a", "b"):
        owner, member = person(), person()
        tenant = owner.found_tenant(name=name.upper())
        assert owner.add(tenant, member).status_code == 201
        project = member.create_project(tenant["slug"], f"Project {name.upper()}")
        assert project.status_code == 201, project.text
        world[name] = {"owner": owner, "member": member, "tenant": tenant, "project": project.json()}
    return world


def test_a_member_creates_a_project_and_finds_it_by_id_or_slug(person):
    owner, member = person(), person()
    tenant = owner.found_tenant()
    owner.add(tenant, member)
    made = member.create_project(tenant["id"], "Launch", description="Ship it")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["name"] == "Launch" and body["description"] == "Ship it"
    assert body["tenant_id"] == tenant["id"] and body["created_at"].endswith("Z")
    assert uuid.UUID(body["id"]) and isinstance(body["position"], int)
    for reference in (tenant["id"], tenant["slug"], tenant["slug"].upper()):
        shown = owner.http.get(f"/api/v1/projects/{body['id']}/", headers={
            "X-Tenant": reference, "X-Min-Position": str(body["position"])})
        assert shown.status_code == 200, reference
        assert shown.json() == {k: v for k, v in body.items() if k != "position"}
    plain = member.create_project(tenant["slug"], "No description")
    assert plain.json()["description"] == ""


def test_each_tenant_sees_only_its_own_projects(two_tenants):
    a, b = two_tenants["a"], two_tenants["b"]
    position = max(a["project"]["position"], b["project"]["position"])
    for side in (a, b):
        for user in (side["owner"], side["member"]):
            listed = user.projects(side["tenant"]["id"], position)
            assert listed.status_code == 200
            assert [p["id"] for p in listed.json()["results"]] == [side["project"]["id"]]
            assert listed.json()["count"] == 1


def test_another_tenants_project_is_not_found_and_its_tenant_is_forbidden(two_tenants):
    a, b = two_tenants["a"], two_tenants["b"]
    position = str(max(a["project"]["position"], b["project"]["position"]))
    foreign = a["member"].http.get(f"/api/v1/projects/{b['project']['id']}/", headers={
        "X-Tenant": a["tenant"]["id"], "X-Min-Position": position})
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "NOT_FOUND"
    for reference in (b["tenant"]["id"], b["tenant"]["slug"]):
        assert a["owner"].projects(reference).status_code == 403
        crossing = a["member"].http.get(f"/api/v1/projects/{b['project']['id']}/",
                                        headers={"X-Tenant": reference})
        assert crossing.status_code == 403
        intrusion = a["member"].create_project(reference, "Intrusion")
        assert intrusion.status_code == 403
        assert intrusion.json()["error"]["code"] == "FORBIDDEN"
    assert b["owner"].projects(b["tenant"]["id"], position).json()["count"] == 1


def test_x_tenant_is_required_and_must_name_a_tenant_of_the_caller(person):
    owner = person()
    tenant = owner.found_tenant()
    for answer in (owner.http.get("/api/v1/projects/"),
                   owner.http.post("/api/v1/projects/", json={"name": "Headless"}),
                   owner.http.get(f"/api/v1/projects/{uuid.uuid4()}/")):
        assert answer.status_code == 400
        error = answer.json()["error"]
        assert error["code"] == "INVALID_PAYLOAD" and "X-Tenant" in error["message"]
    for reference in (str(uuid.uuid4()), "no-such-tenant", "Not a slug!"):
        assert owner.projects(reference).status_code == 403
        assert owner.create_project(reference).status_code == 403
    missing = owner.http.get(f"/api/v1/projects/{uuid.uuid4()}/", headers={"X-Tenant": tenant["id"]})
    assert missing.status_code == 404


def test_a_member_added_a_moment_ago_creates_projects_at_once(person):
    owner, newcomer = person(), person()
    tenant = owner.found_tenant()
    assert newcomer.create_project(tenant["id"]).status_code == 403
    added = owner.http.post(f"/api/v1/tenants/{tenant['id']}/members/",
                            json={"user_id": newcomer.id, "role": "member"})
    assert added.status_code == 201
    assert newcomer.create_project(tenant["id"], "Right away").status_code == 201


@pytest.mark.parametrize("body", [
    {"name": ""}, {"name": "  "}, {"name": "x" * 201}, {}, {"name": 5},
    {"name": "Ok", "description": 3}, {"name": "Ok", "owner": "me"},
])
def test_bad_project_payloads_are_refused_in_the_envelope(person, body):
    owner = person()
    tenant = owner.found_tenant()
    answer = owner.http.post("/api/v1/projects/", json=body, headers={"X-Tenant": tenant["id"]})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "INVALID_PAYLOAD"


def test_the_project_list_is_paginated_oldest_first(person):
    owner = person()
    tenant = owner.found_tenant()
    made = [owner.create_project(tenant["id"], f"P{n}").json() for n in range(5)]
    first = owner.projects(tenant["id"], made[-1]["position"], page_size=2).json()
    assert first["count"] == 5 and first["previous"] is None
    assert [p["name"] for p in first["results"]] == ["P0", "P1"]
    second = owner.http.get(first["next"], headers={"X-Tenant": tenant["id"]}).json()
    assert [p["name"] for p in second["results"]] == ["P2", "P3"]
    last = owner.http.get(second["next"], headers={"X-Tenant": tenant["id"]}).json()
    assert [p["name"] for p in last["results"]] == ["P4"] and last["next"] is None
    refused = owner.projects(tenant["id"], page="zero")
    assert refused.status_code == 400
