"""Every command answers an integer `position` (CONTRACT §1), also one that appends nothing.

Repeats that change nothing answered `"position": null`, which a client cannot send back as
`X-Min-Position`; they now answer the latest event of the aggregate they found unchanged.
"""
from __future__ import annotations

import uuid
from typing import Any


def test_a_repeated_mark_as_read_answers_the_first_marks_position(stack):
    with stack.client(stack.admin_token()) as admin:
        sent = admin.post("/api/v1/notifications/", json={"title": f"n-{uuid.uuid4().hex[:8]}"})
        assert sent.status_code == 201, sent.text
        path = f"/api/v1/notifications/{sent.json()['id']}/mark-as-read/"
        first, again = admin.patch(path), admin.patch(path)
    assert first.status_code == again.status_code == 200, again.text
    assert isinstance(first.json()["position"], int)
    assert again.json()["position"] == first.json()["position"]


def test_restarting_a_private_conversation_answers_its_position(stack):
    alice, bob = stack.new_user(), stack.new_user()
    with stack.client(alice["token"]) as http:
        body = {"user_ids": [bob["user"]["id"]]}
        created = http.post("/api/v1/chat/conversations/", json=body)
        again = http.post("/api/v1/chat/conversations/", json=body)
        legacy = http.post("/api/message/rooms/", json=body)
    assert created.status_code == 201 and again.status_code == legacy.status_code == 200, again.text
    assert again.json()["position"] == legacy.json()["position"] == created.json()["position"]


def test_forgot_password_answers_the_logs_head_whether_or_not_the_email_exists(stack):
    login = stack.new_user()
    with stack.client() as http:
        known = forgot(http, login["user"]["email"])
        unknown = forgot(http, f"nobody-{uuid.uuid4().hex[:8]}@tessera.test")
    assert isinstance(known["position"], int) and isinstance(unknown["position"], int)
    assert unknown["position"] >= known["position"] >= login["position"]


def forgot(http: Any, email: str) -> dict[str, Any]:
    answer = http.post("/api/v1/auth/forgot_password/", json={"email": email})
    assert answer.status_code == 200, answer.text
    return answer.json()
