"""Helpers for commerce tests: an admin session, products, and concurrent checkouts."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest


class Shop:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.admin = stack.admin_token()

    def create_product(self, stock: int, price: str = "19.90", name: str | None = None) -> dict[str, Any]:
        with self.stack.client(self.admin) as http:
            answer = http.post("/api/v1/products/", json={
                "name": name or f"product-{uuid.uuid4().hex[:10]}", "price": price, "stock": stock})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def product(self, product_id: str, token: str | None = None) -> dict[str, Any]:
        with self.stack.client(token or self.admin) as http:
            answer = http.get(f"/api/v1/products/{product_id}/")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def buy_concurrently(self, tokens: list[str], bodies: list[dict[str, Any]]) -> list[Any]:
        """Send every checkout at once (one thread each, released together); the answers."""
        start = threading.Barrier(len(bodies))

        def buy(index: int) -> Any:
            with self.stack.client(tokens[index % len(tokens)]) as http:
                start.wait()
                return http.post("/api/v1/orders/", json=bodies[index])

        with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
            return list(pool.map(buy, range(len(bodies))))


@pytest.fixture
def shop(stack: Any) -> Shop:
    return Shop(stack)
