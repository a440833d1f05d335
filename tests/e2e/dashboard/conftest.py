"""An admin's view of the dashboard, and ways to move its counts, for dashboard tests."""
from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e.notifications.flows import create_course

DASHBOARD = "/api/v1/dashboard/"


class Board:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.admin_token = stack.admin_token()
        self.admin = stack.client(self.admin_token)

    def read(self, position: int = 0) -> dict[str, Any]:
        answer = self.admin.get(DASHBOARD, headers={"X-Min-Position": str(position)})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def notify(self) -> int:
        """Send a platform notification; its position."""
        answer = self.admin.post("/api/v1/notifications/", json={
            "title": f"dash-{uuid.uuid4().hex[:8]}", "obj_code": "platform"})
        assert answer.status_code == 201, answer.text
        return answer.json()["position"]

    def register(self) -> int:
        with self.stack.client() as anonymous:
            answer = anonymous.post("/api/v1/auth/register/", json={
                "email": f"dash-{uuid.uuid4().hex[:12]}@tessera.test", "password": "password-123",
                "first_name": "Dash", "last_name": "Board"})
        assert answer.status_code == 201, answer.text
        return answer.json()["position"]

    def order(self) -> int:
        product = self.admin.post("/api/v1/products/", json={
            "name": f"dash-{uuid.uuid4().hex[:8]}", "price": "2.50", "stock": 5})
        assert product.status_code == 201, product.text
        answer = self.admin.post("/api/v1/orders/", json={"product_id": product.json()["id"]})
        assert answer.status_code == 201, answer.text
        return answer.json()["position"]

    def course(self) -> int:
        return create_course(self.stack)["position"]

    def book(self) -> tuple[str, int]:
        author = self.admin.post("/api/v1/authors/",
                                 json={"name": f"Author {uuid.uuid4().hex[:6]}"})
        assert author.status_code == 201, author.text
        book = self.admin.post("/api/v1/books/", json={
            "title": f"Book {uuid.uuid4().hex[:6]}", "author_id": author.json()["id"],
            "tag_ids": []})
        assert book.status_code == 201, book.text
        return book.json()["id"], book.json()["position"]

    def delete_book(self, book_id: str) -> None:
        assert self.admin.delete(f"/api/v1/books/{book_id}/").status_code == 204

    def report(self) -> int:
        answer = self.admin.post("/api/v1/reports/", json={})
        assert answer.status_code == 202, answer.text
        return answer.json()["position"]


@pytest.fixture
def board(stack: Any) -> Board:
    return Board(stack)
