"""People with their own HTTP clients, and tenants they found, for tenancy's e2e tests."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest


class Person:
    """A fresh, logged-in user of the running stack."""

    def __init__(self, stack: Any) -> None:
        login = stack.new_user()
        self.id: str = login["user"]["id"]
        self.token: str = login["token"]
        self.http: httpx.Client = stack.client(login["token"])

    def found_tenant(self, name: str = "Acme", slug: str | None = None) -> dict[str, Any]:
        answer = self.http.post("/api/v1/tenants/", json={"name": name, "slug": slug or new_slug()})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def add(self, tenant: dict[str, Any], person: Person, role: str = "member") -> httpx.Response:
        return self.http.post(f"/api/v1/tenants/{tenant['id']}/members/",
                              json={"user_id": person.id, "role": role})

    def create_project(self, tenant: str, name: str = "Roadmap", **fields: Any) -> httpx.Response:
        return self.http.post("/api/v1/projects/", json={"name": name, **fields},
                              headers={"X-Tenant": tenant})

    def projects(self, tenant: str, position: int = 0, **params: Any) -> httpx.Response:
        return self.http.get("/api/v1/projects/", params=params,
                             headers={"X-Tenant": tenant, "X-Min-Position": str(position)})


def new_slug(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def person(stack: Any) -> Iterator[Callable[[], Person]]:
    """Makes fresh users; their clients are closed after the test."""
    made: list[Person] = []

    def make() -> Person:
        made.append(Person(stack))
        return made[-1]

    yield make
    for someone in made:
        someone.http.close()
