"""Embedded mode (`make run`) killed mid-stream loses nothing and counts nothing twice.

Eight clients register users and check out while `tessera serve` gets SIGKILL; it is started
again on the same data. Every command answered 201 is then in the read models exactly once
(a command whose answer the kill cut off may be there too: it committed), the stock shown is
the store's, and `tessera verify` finds no difference, on SQLite and on PostgreSQL. The
in-process follower resumes from the positions each projection stored with its writes.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fixtures.stack import Stack, start_embedded, wait_healthy

CLIENTS = 8
STOCK = 100_000


@pytest.fixture(params=["embedded", "embedded_pg"])
def crash_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    env = {}
    if request.param == "embedded_pg":
        env["TESSERA_DATABASE_URL"] = request.getfixturevalue("postgres_cluster").create_database()
    yield from start_embedded(f"{request.param}_crash", env)


class Shoppers:
    """Clients that register and check out until stopped, keeping what was answered 201."""

    def __init__(self, stack: Stack, admin: str, product_id: str) -> None:
        self.stack, self.admin, self.product_id = stack, admin, product_id
        self.prefix = f"crash-{uuid.uuid4().hex[:8]}"
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


def counted(stack: Stack, token: str, path: str, head: int) -> Any:
    with stack.client(token) as http:
        answer = http.get(path, headers={"X-Min-Position": str(head)})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_killed_embedded_server_restarts_with_every_accepted_command_once(crash_stack):
    stack = crash_stack
    admin = stack.admin_token()
    with stack.client(admin) as http:
        product = http.post("/api/v1/products/", json={"name": "Crash", "price": "1.00", "stock": STOCK}).json()
    with Shoppers(stack, admin, product["id"]) as shoppers:
        while len(shoppers.orders) < 100:
            time.sleep(0.05)
        stack.kill("serve")
        before_restart = len(shoppers.orders)
        stack.start("serve")
        wait_healthy(stack.base_url, stack.processes["serve"], stack.logs["serve"])
        while len(shoppers.orders) < before_restart + 50:
            time.sleep(0.05)
    assert shoppers.server_errors == []
    admin = stack.admin_token()
    with stack.client() as http:
        head = http.get("/health/ready/").json()["head"]
    users = counted(stack, admin, f"/api/v1/users/?search={shoppers.prefix}", head)["count"]
    orders = counted(stack, admin, "/api/v1/orders/", head)["count"]
    stock = counted(stack, admin, f"/api/v1/products/{product['id']}/", head)["stock"]
    assert len(shoppers.users) <= users <= len(shoppers.users) + CLIENTS
    assert len(shoppers.orders) <= orders <= len(shoppers.orders) + CLIENTS
    assert stock == STOCK - orders
    verified = subprocess.run([sys.executable, "-m", "infra.cli", "verify"], env=stack.env,
                              capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    assert '"differences": {}' in verified.stdout
