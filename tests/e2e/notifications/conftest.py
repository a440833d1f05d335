"""People with their own clients, and an admin who sends notifications, for notification tests."""
from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

FEED = "/api/v1/notifications/"


class Reader:
    """A fresh, logged-in user and the notifications they see."""

    def __init__(self, stack: Any, login: dict[str, Any] | None = None) -> None:
        login = login or stack.new_user()
        self.id: str = login["user"]["id"]
        self.token: str = login["token"]
        self.http: httpx.Client = stack.client(self.token)

    def feed(self, position: int = 0, **params: Any) -> list[dict[str, Any]]:
        answer = self.http.get(FEED, params={"page_size": 100, **params},
                               headers={"X-Min-Position": str(position)})
        assert answer.status_code == 200, answer.text
        return answer.json()["results"]

    def seen(self, notification: dict[str, Any], **params: Any) -> dict[str, Any] | None:
        feed = self.feed(notification["position"], **params)
        found = [n for n in feed if n["id"] == notification["id"]]
        return found[0] if found else None


class Sender:
    def __init__(self, stack: Any) -> None:
        self.http = stack.client(stack.admin_token())

    def send(self, obj_code: str = "platform", obj_id: str | None = None,
             title: str | None = None) -> dict[str, Any]:
        answer = self.post(title=title or f"note-{uuid.uuid4().hex[:8]}", message="Hello",
                           obj_code=obj_code, obj_id=obj_id)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def post(self, **body: Any) -> httpx.Response:
        return self.http.post(FEED, json=body)


@pytest.fixture
def sender(stack: Any) -> Sender:
    return Sender(stack)


@pytest.fixture
def reader_factory(stack: Any):
    return lambda: Reader(stack)

