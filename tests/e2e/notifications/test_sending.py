"""Who may send notifications, and what a notification must name."""
from __future__ import annotations

import uuid

import pytest

SOMEONE = "00000000-0000-4000-8000-000000000001"


def test_only_an_admin_may_send(stack, reader_factory):
    """Plain users and support staff are refused (a support token is checked as support)."""
    alice = reader_factory()
    body = {"title": "Hi", "message": "x", "obj_code": "platform", "obj_id": None}
    answer = alice.http.post("/api/v1/notifications/", json=body)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "FORBIDDEN"
    with stack.client(stack.admin_token()) as admin:
        promoted = admin.patch(f"/api/v1/users/{alice.id}/access_level/",
                               json={"access_level": "support"})
        assert promoted.status_code == 200, promoted.text
    assert alice.http.get("/api/v1/users/me/").json()["user"]["access_level"] == "support"
    assert alice.http.post("/api/v1/notifications/", json=body).status_code == 403


def test_anonymous_callers_are_401(stack):
    with stack.client() as anonymous:
        assert anonymous.get("/api/v1/notifications/").status_code == 401
        assert anonymous.post("/api/v1/notifications/", json={"title": "x"}).status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"title": "x", "obj_code": "user", "obj_id": None}, "obj_id"),
    ({"title": "x", "obj_code": "platform", "obj_id": SOMEONE}, "obj_id"),
    ({"title": "x", "obj_code": "user", "obj_id": SOMEONE}, "obj_id"),
    ({"title": "x", "obj_code": "everyone"}, "obj_code"),
    ({"title": "", "obj_code": "platform"}, "title"),
    ({"message": "no title", "obj_code": "platform"}, "title"),
])
def test_invalid_notifications_are_400(sender, body, field):
    answer = sender.post(**body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "INVALID_PAYLOAD"
    assert field in error["message"] + str(error["details"])


def test_a_user_notification_must_name_a_user_not_another_aggregate(stack, sender):
    """An id of a tag or an author is no one's: stored, it reached no feed and no socket."""
    with stack.client(stack.admin_token()) as admin:
        tag = admin.post("/api/v1/tags/", json={"name": f"tag-{uuid.uuid4().hex[:10]}"})
        author = admin.post("/api/v1/authors/", json={"name": "Ursula"})
    for created in (tag, author):
        assert created.status_code == 201, created.text
        answer = sender.post(title="x", obj_code="user", obj_id=created.json()["id"])
        assert answer.status_code == 400, answer.text
        error = answer.json()["error"]
        assert error["code"] == "INVALID_PAYLOAD" and "obj_id" in error["details"], error
