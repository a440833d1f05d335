"""Helpers for catalog tests: a staff session that builds authors, tags and books."""
from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest


def created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    return answer.json()


class Library:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.admin = stack.admin_token()
        self.user = stack.new_user()["token"]
        self.last_position = 0

    def _post(self, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        with self.stack.client(token or self.admin) as http:
            body = created(http.post(path, json=body))
        self.last_position = max(self.last_position, body["position"])
        return body

    def author(self, name: str | None = None) -> dict[str, Any]:
        return self._post("/api/v1/authors/", {"name": name or f"Author {uuid.uuid4().hex[:8]}"})

    def tag(self, name: str | None = None) -> dict[str, Any]:
        return self._post("/api/v1/tags/", {"name": name or f"tag-{uuid.uuid4().hex[:10]}"})

    def book(self, title: str, author: dict[str, Any], tags: list[dict[str, Any]] = ()) -> dict[str, Any]:
        return self._post("/api/v1/books/", {"title": title, "author_id": author["id"],
                                              "tag_ids": [t["id"] for t in tags]}, self.user)

    def comment(self, book: dict[str, Any], text: str = "Loved it", token: str | None = None) -> dict[str, Any]:
        return self._post(f"/api/v1/books/{book['id']}/comments/", {"text": text}, token or self.user)

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        with self.stack.client(token or self.user) as http:
            return http.get(path, params=params, headers={"X-Min-Position": str(self.last_position)})

    def books(self, **params: Any) -> dict[str, Any]:
        answer = self.get("/api/v1/books/", **params)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def library(stack: Any) -> Library:
    return Library(stack)
