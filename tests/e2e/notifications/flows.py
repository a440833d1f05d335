"""Steps other tests share: creating a course, which notifies every user."""
from __future__ import annotations

import uuid
from typing import Any


def create_course(stack: Any, title: str | None = None) -> dict[str, Any]:
    """A course created by the admin (CONTRACT §5.2); its body, with `position`."""
    with stack.client(stack.admin_token()) as admin:
        answer = admin.post("/api/v1/courses/", json={
            "title": title or f"Course {uuid.uuid4().hex[:8]}", "description": "Learn things",
            "price": "0", "is_free": True, "start_date": "2027-01-15", "tag_ids": []})
    assert answer.status_code == 201, answer.text
    return answer.json()
