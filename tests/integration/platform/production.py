"""What the production-mode tests share: commands in the background, and looks at the result.

Users are registered through the public API (a command whose events feed the `users` read
model); results are read straight from PostgreSQL and Kafka, the way an operator would check.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import psycopg

from tests.fixtures.stack import Stack


def register(stack: Stack, prefix: str) -> dict[str, Any]:
    """Register a fresh user; returns the command's answer (user, position, ...)."""
    body = {"email": f"{prefix}-{uuid.uuid4().hex[:12]}@tessera.test", "password": "password-123",
            "first_name": "Pro", "last_name": "Duction"}
    with stack.client() as http:
        answer = http.post("/api/v1/auth/register/", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def users_count(stack: Stack, prefix: str) -> int:
    with psycopg.connect(stack.env["TESSERA_DATABASE_URL"]) as conn:
        row = conn.execute("SELECT count(*) FROM users WHERE email LIKE %s", (f"{prefix}-%",)).fetchone()
    return int(row[0])


def read_position(stack: Stack) -> int:
    return int(httpx.get(f"{stack.base_url}/health/ready/", timeout=10).json()["position"])


def eventually(stack: Stack, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Wait for a condition; on timeout, fail with the stack's process logs."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}\n{stack.log_tails()}")
        time.sleep(0.05)


class Traffic:
    """Sends commands one after another in a background thread until stopped.

    By default each command registers a user named after `prefix`; `command` (returning the
    command's position) replaces it.
    """

    def __init__(self, stack: Stack, prefix: str, command: Callable[[], int] | None = None) -> None:
        self.stack, self.prefix = stack, prefix
        self.command = command or (lambda: register(stack, prefix)["position"])
        self.positions: list[int] = []
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.positions.append(self.command())
        except BaseException as error:  # noqa: BLE001 - reported by wait_for/stop
            self.error = error

    def wait_for(self, count: int, timeout: float = 120) -> None:
        eventually(self.stack, lambda: self.error or len(self.positions) >= count, timeout,
                   f"{count} commands")
        assert self.error is None, self.error

    def stop(self) -> list[int]:
        self._stop.set()
        self._thread.join(60)
        assert self.error is None, self.error
        return list(self.positions)
