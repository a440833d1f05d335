"""Presence test helpers: a socket that reads `presence` frames, and an extra push replica."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from infra.servers import free_port
from tests.fixtures.stack import Stack, scratch_dir, serve_process, stop, wait_healthy


class PresenceWatcher:
    """A user's `/ws/presence/` socket, read frame by frame."""

    def __init__(self, ws_url: str, token: str, since: int | None = None) -> None:
        query = f"?token={token}" + (f"&since={since}" if since is not None else "")
        self._opened = ExitStack()  # websockets 17 deprecates a connection not entered as a context
        url = f"{ws_url}/ws/presence/{query}"
        self.socket: ClientConnection = self._opened.enter_context(connect(url))

    def next_for(self, user_id: str, timeout: float = 20.0) -> dict[str, Any]:
        """The next presence frame about `user_id` (frames about others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no presence frame for {user_id} within {timeout}s")
            try:
                frame = json.loads(self.socket.recv(timeout=remaining))
            except TimeoutError:
                continue
            assert frame["type"] == "presence" and frame["channel"] == "presence", frame
            if frame["data"]["user_id"] == user_id:
                return frame

    def drop(self) -> None:
        """Lose the connection without a close handshake, as a crashed client would."""
        self.socket.socket.close()

    def close(self) -> None:
        self._opened.close()


def online_ids(stack: Stack, token: str) -> dict[str, dict[str, Any]]:
    with stack.client(token) as http:
        answer = http.get("/api/v1/online-users/")
        assert answer.status_code == 200, answer.text
        return {user["id"]: user for user in answer.json()}


@pytest.fixture
def watchers() -> Iterator[Any]:
    """`watchers(ws_url, token)` → a PresenceWatcher, closed after the test."""
    opened: list[PresenceWatcher] = []

    def open_watcher(ws_url: str, token: str, since: int | None = None) -> PresenceWatcher:
        opened.append(PresenceWatcher(ws_url, token, since))
        return opened[-1]

    yield open_watcher
    for watcher in opened:
        try:
            watcher.close()
        except OSError:
            pass


@pytest.fixture
def push_replica(stack: Stack) -> Iterator[dict[str, Any]]:
    """A second `tessera serve push` process on the stack's stores; the test may kill it."""
    with scratch_dir("tessera-push-replica-") as log_dir:
        port, log = free_port(), Path(log_dir) / "push.log"
        process = serve_process(["serve", "push", "--host", "127.0.0.1", "--port", str(port)],
                                stack.env, log)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, process, log)
            yield {"ws_url": base.replace("http://", "ws://"), "process": process}
        finally:
            stop(process)
