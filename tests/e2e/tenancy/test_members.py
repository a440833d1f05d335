"""Owners manage who belongs to a tenant; removal revokes access at once."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor


def test_an_owner_adds_a_member_who_then_sees_the_tenant(person):
    owner, member = person(), person()
    tenant = owner.found_tenant()
    added = owner.add(tenant, member)
    assert added.status_code == 201, added.text
    assert added.json()["tenant_id"] == tenant["id"] and added.json()["user_id"] == member.id
    assert added.json()["role"] == "member" and isinstance(added.json()["position"], int)
    listed = member.http.get("/api/v1/tenants/",
                             headers={"X-Min-Position": str(added.json()["position"])}).json()
    assert [(t["id"], t["role"]) for t in listed["results"]] == [(tenant["id"], "member")]


def test_adding_again_changes_the_role_or_conflicts(person):
    """A role change answers 201 as CONTRACT §3 says (it was 200); the same role is a duplicate."""
    owner, member = person(), person()
    tenant = owner.found_tenant()
    assert owner.add(tenant, member).status_code == 201
    same = owner.add(tenant, member)
    assert same.status_code == 409 and same.json()["error"]["code"] == "CONFLICT"
    promoted = owner.add(tenant, member, role="owner")
    assert promoted.status_code == 201 and promoted.json()["role"] == "owner"
    listed = member.http.get("/api/v1/tenants/", headers={
        "X-Min-Position": str(promoted.json()["position"])}).json()
    assert listed["results"][0]["role"] == "owner"


def test_only_owners_manage_members_and_strangers_learn_nothing(person):
    owner, member, stranger, newcomer = person(), person(), person(), person()
    tenant = owner.found_tenant()
    owner.add(tenant, member)
    by_member = member.add(tenant, newcomer)
    assert by_member.status_code == 403 and by_member.json()["error"]["code"] == "FORBIDDEN"
    by_stranger = stranger.add(tenant, newcomer)
    assert by_stranger.status_code == 404 and by_stranger.json()["error"]["code"] == "NOT_FOUND"
    nowhere = owner.http.post(f"/api/v1/tenants/{uuid.uuid4()}/members/",
                              json={"user_id": newcomer.id, "role": "member"})
    assert nowhere.status_code == 404
    removal = member.http.delete(f"/api/v1/tenants/{tenant['id']}/members/{owner.id}/")
    assert removal.status_code == 403
    removal = stranger.http.delete(f"/api/v1/tenants/{tenant['id']}/members/{member.id}/")
    assert removal.status_code == 404


def test_unknown_users_and_bad_roles_are_refused(person):
    owner, member = person(), person()
    tenant = owner.found_tenant()
    unknown = owner.http.post(f"/api/v1/tenants/{tenant['id']}/members/",
                              json={"user_id": str(uuid.uuid4()), "role": "member"})
    assert unknown.status_code == 404 and unknown.json()["error"]["message"] == "User not found"
    for body in ({"user_id": member.id, "role": "admin"}, {"user_id": "not-a-uuid", "role": "member"},
                 {"role": "member"}, {"user_id": member.id, "role": "member", "extra": 1}):
        bad = owner.http.post(f"/api/v1/tenants/{tenant['id']}/members/", json=body)
        assert bad.status_code == 400, body
        assert bad.json()["error"]["code"] == "INVALID_PAYLOAD"


def test_removing_a_member_revokes_access_at_once(person):
    owner, member = person(), person()
    tenant = owner.found_tenant()
    owner.add(tenant, member)
    made = member.create_project(tenant["id"], "Before")
    assert made.status_code == 201
    removed = owner.http.delete(f"/api/v1/tenants/{tenant['id']}/members/{member.id}/")
    assert removed.status_code == 204 and removed.content == b""
    assert member.projects(tenant["id"]).status_code == 403
    shown = member.http.get(f"/api/v1/projects/{made.json()['id']}/",
                            headers={"X-Tenant": tenant["id"]})
    assert shown.status_code == 403
    again = member.create_project(tenant["id"], "After")
    assert again.status_code == 403 and again.json()["error"]["code"] == "FORBIDDEN"
    assert member.http.get("/api/v1/tenants/").json()["count"] == 0
    gone = owner.http.delete(f"/api/v1/tenants/{tenant['id']}/members/{member.id}/")
    assert gone.status_code == 404


def test_the_last_owner_cannot_leave_but_one_of_two_can(person):
    founder, partner = person(), person()
    tenant = founder.found_tenant()
    path = f"/api/v1/tenants/{tenant['id']}/members/{founder.id}/"
    last = founder.http.delete(path)
    assert last.status_code == 409 and last.json()["error"]["code"] == "CONFLICT"
    assert founder.add(tenant, partner, role="owner").status_code == 201
    assert founder.http.delete(path).status_code == 204
    alone = partner.http.post(f"/api/v1/tenants/{tenant['id']}/members/",
                              json={"user_id": partner.id, "role": "member"})
    assert alone.status_code == 409
    assert founder.projects(tenant["id"]).status_code == 403


def test_members_added_at_once_are_all_admitted(stack, person):
    """Distinct members do not conflict in meaning: none of them gets a 409 for the others."""
    owner, newcomers = person(), [person() for _ in range(8)]
    tenant = owner.found_tenant()
    start = threading.Barrier(len(newcomers))

    def add(newcomer):
        with stack.client(owner.token) as http:
            start.wait()
            return http.post(f"/api/v1/tenants/{tenant['id']}/members/",
                             json={"user_id": newcomer.id, "role": "member"})

    with ThreadPoolExecutor(max_workers=len(newcomers)) as pool:
        answers = list(pool.map(add, newcomers))
    assert [a.status_code for a in answers] == [201] * len(newcomers), [a.text for a in answers]
    last = max(a.json()["position"] for a in answers)
    for newcomer in newcomers:
        assert newcomer.projects(tenant["id"], last).status_code == 200
