"""Helpers for course tests: staff that create tags and courses, readers that list them."""
from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest


class School:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.admin = stack.admin_token()
        self.user = stack.new_user()["token"]
        self.last_position = 0

    def tag(self) -> dict[str, Any]:
        with self.stack.client(self.admin) as http:
            answer = http.post("/api/v1/tags/", json={"name": f"topic-{uuid.uuid4().hex[:10]}"})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def create(self, token: str | None = None, **fields: Any) -> httpx.Response:
        body = {"title": "Course", "description": "", "price": "10.00", "is_free": False,
                "start_date": "2025-06-01", "tag_ids": [], **fields}
        with self.stack.client(token or self.admin) as http:
            answer = http.post("/api/v1/courses/", json=body)
        if answer.status_code == 201:
            self.last_position = max(self.last_position, answer.json()["position"])
        return answer

    def course(self, **fields: Any) -> dict[str, Any]:
        answer = self.create(**fields)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def get(self, path: str, **params: Any) -> httpx.Response:
        with self.stack.client(self.user) as http:
            return http.get(path, params=params, headers={"X-Min-Position": str(self.last_position)})


@pytest.fixture(scope="module")
def school(stack: Any) -> School:
    return School(stack)
