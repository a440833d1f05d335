"""Clients that keep registering and checking out while a test does something to the system,
and the counts to check afterwards."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.fixtures.stack import Stack
from tests.integration.platform.production import Traffic, eventually

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
        wait_for_count(self.orders, count, timeout)

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


def wait_for_count(found: list[Any], count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(found) < count:
        assert time.monotonic() < deadline, f"{len(found)} of {count} done"
        time.sleep(0.05)


class TokenChecks(Traffic):
    """One valid token shown over and over: `GET users/me/` and a `/ws/echo/` socket's ping.
    `refused` holds every answer that was not 200 or a pong."""

    def __init__(self, stack: Stack, token: str) -> None:
        super().__init__(stack, "token-checks", self.check)
        self.token = token
        self.refused: list[str] = []

    def check(self) -> int:
        with self.stack.client(self.token) as http:
            answer = http.get("/api/v1/users/me/")
        if answer.status_code != 200:
            self.refused.append(f"{answer.status_code} {answer.text}")
        try:
            with connect(f"{self.stack.ws_url}/ws/echo/?token={self.token}") as socket:
                socket.send('{"type": "ping"}')
                socket.recv(timeout=15)
        except ConnectionClosed as closed:
            self.refused.append(f"socket closed {closed.rcvd}")
        return answer.status_code


class Chatter(Traffic):
    """A person posting numbered messages to one conversation, keeping those accepted (201)."""

    def __init__(self, person: Any, conversation: str) -> None:
        super().__init__(person.stack, f"chatter-{uuid.uuid4().hex[:6]}", self.say)
        self.person, self.conversation = person, conversation
        self.said: list[dict[str, Any]] = []

    def say(self) -> int:
        text = f"{self.prefix} {len(self.said)}"
        answer = self.person.post(self.conversation, "text", {"text": text})
        if answer.status_code == 201:
            self.said.append({"id": answer.json()["id"], "position": answer.json()["position"], "text": text})
        return answer.status_code

    def wait_for(self, count: int, timeout: float = 60) -> None:
        wait_for_count(self.said, count, timeout)


class Listener(Traffic):
    """Every frame an open socket receives (`positions`; None for each quiet 0.2 s), read as
    they come, so the server never finds it a slow consumer."""

    def __init__(self, stack: Stack, socket: Any) -> None:
        super().__init__(stack, "listener", self.receive)
        self.socket = socket

    def receive(self) -> Any:
        try:
            return json.loads(self.socket.recv(timeout=0.2))
        except TimeoutError:
            return None

    def wait_until(self, wanted: Callable[[dict[str, Any]], bool], timeout: float = 60) -> None:
        eventually(self.stack, lambda: any(frame and wanted(frame) for frame in list(self.positions)),
                   timeout, "the frame")


def assert_verify_finds_no_difference(stack: Stack) -> None:
    """`tessera verify`: every read model rebuilt from the log equals the live one."""
    verified = subprocess.run([sys.executable, "-m", "infra.cli", "verify"], env=stack.env,
                              capture_output=True, text=True, timeout=300)
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    assert '"differences": {}' in verified.stdout
