"""Clients that keep registering and checking out while a test does something to the system,
and the counts to check afterwards."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from typing import Any

import httpx

from tests.fixtures.stack import Stack

CLIENTS = 8
STOCK = 100_000


class Shoppers:
    """Clients that register and check out (as the stack's admin, one product with stock for
    any run) until stopped, keeping what was answered 201."""

    def __init__(self, stack: Stack) -> None:
        self.stack, self.admin = stack, stack.admin_token()
        with stack.client(self.admin) as http:
            product = http.post("/api/v1/products/", json={"name": "Stocked", "price": "1.00", "stock": STOCK})
        assert product.status_code == 201, product.text
        self.product_id = product.json()["id"]
        self.prefix = f"shopper-{uuid.uuid4().hex[:8]}"
        self.users: list[str] = []
        self.orders: list[str] = []
        self.server_errors: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._shop, daemon=True) for _ in range(CLIENTS)]

    def __enter__(self) -> Shoppers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _shop(self) -> None:
        with httpx.Client(base_url=self.stack.base_url, timeout=10) as http:
            while not self._stop.is_set():
                try:
                    self._register(http)
                    self._check_out(http)
                except httpx.HTTPError:  # the server is down: try again until it is back
                    time.sleep(0.05)

    def _register(self, http: httpx.Client) -> None:
        email = f"{self.prefix}-{uuid.uuid4().hex[:12]}@tessera.test"
        answer = http.post("/api/v1/auth/register/", json={"email": email, "password": "password-123",
                                                           "first_name": "Crash", "last_name": "Test"})
        self._keep(answer, self.users, email)

    def _check_out(self, http: httpx.Client) -> None:
        answer = http.post("/api/v1/orders/", json={"product_id": self.product_id, "quantity": 1},
                           headers={"Authorization": f"Bearer {self.admin}"})
        self._keep(answer, self.orders, answer.json().get("id") if answer.status_code == 201 else None)

    def _keep(self, answer: httpx.Response, accepted: list[Any], value: Any) -> None:
        if answer.status_code == 201:
            accepted.append(value)
        elif answer.status_code >= 500:
            self.server_errors.append(answer.text)

    def wait_for_orders(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.orders) < count:
            assert time.monotonic() < deadline, f"{len(self.orders)} of {count} orders placed"
            time.sleep(0.05)


    def read_back(self) -> tuple[int, int, int]:
        """Users and orders in the read models, and the stock they show, once they caught up
        with the log (a fresh admin token: the shoppers' may have expired)."""
        token = self.stack.admin_token()
        with self.stack.client() as http:
            head = http.get("/health/ready/").json()["head"]
        caught_up = {"X-Min-Position": str(head)}
        with self.stack.client(token) as http:
            users = http.get(f"/api/v1/users/?search={self.prefix}", headers=caught_up)
            orders = http.get("/api/v1/orders/", headers=caught_up)
            product = http.get(f"/api/v1/products/{self.product_id}/", headers=caught_up)
        for answer in (users, orders, product):
            assert answer.status_code == 200, answer.text
        return users.json()["count"], orders.json()["count"], product.json()["stock"]


def assert_verify_finds_no_difference(stack: Stack) -> None:
    """`tessera verify`: every read model rebuilt from the log equals the live one."""
    verified = subprocess.run([sys.executable, "-m", "infra.cli", "verify"], env=stack.env,
                              capture_output=True, text=True, timeout=300)
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    assert '"differences": {}' in verified.stdout
