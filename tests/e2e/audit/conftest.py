"""An auditor (admin) reading the log, and users whose actions fill it, for audit tests."""
from __future__ import annotations

from typing import Any

import httpx
import pytest

AUDIT = "/api/v1/audit/"


class Auditor:
    def __init__(self, stack: Any) -> None:
        self.http: httpx.Client = stack.client(stack.admin_token())

    def get(self, path: str = AUDIT, position: int = 0, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers={"X-Min-Position": str(position)})

    def entries(self, position: int = 0, **params: Any) -> list[dict[str, Any]]:
        answer = self.get(AUDIT, position, page_size=100, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()["results"]

    def history(self, kind: str, aggregate_id: str, position: int = 0) -> list[dict[str, Any]]:
        answer = self.get(f"{AUDIT}{kind}/{aggregate_id}/history/", position, page_size=100)
        assert answer.status_code == 200, answer.text
        return answer.json()["results"]


class Person:
    def __init__(self, stack: Any) -> None:
        login = stack.new_user()
        self.id: str = login["user"]["id"]
        self.http: httpx.Client = stack.client(login["token"])

    def rename(self, first_name: str) -> int:
        answer = self.http.patch("/api/v1/users/me/", json={"first_name": first_name})
        assert answer.status_code == 200, answer.text
        return answer.json()["position"]


@pytest.fixture
def auditor(stack: Any) -> Auditor:
    return Auditor(stack)


@pytest.fixture
def person(stack: Any) -> Person:
    return Person(stack)
