"""One user's open sockets are bounded per push process (TESSERA_WS_MAX_PER_USER): each holds
a file descriptor and memory, so an unbounded count let one account starve every other user.
The contract is silent; the next socket gets a RATE_LIMITED error frame and closes with 4429.

The stacks are this module's own, with a bound of three sockets.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.fixtures.stack import Stack, start_own_embedded

BOUND = 3


@pytest.fixture(scope="module", params=["embedded", "embedded_pg"])
def bounded_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    yield from start_own_embedded(request, {"TESSERA_WS_MAX_PER_USER": str(BOUND)})


@contextmanager
def open_socket(stack: Stack, path: str, token: str, ping: bool = True) -> Iterator[Any]:
    with connect(f"{stack.ws_url}{path}?token={token}", open_timeout=10) as socket:
        if ping:
            socket.send(json.dumps({"type": "ping"}))
        yield socket


def answered_pong(socket) -> bool:
    """Whether the socket answers its ping. A frame of its channel may come first (on
    `/ws/presence/`, the user's own join, published by the projection of the socket opened
    before it), so those are read past; an error frame is no answer."""
    deadline = time.monotonic() + 10
    while (left := deadline - time.monotonic()) > 0:
        frame = json.loads(socket.recv(timeout=left))
        if frame == {"type": "pong"}:
            return True
        if frame.get("type") == "error":
            return False
    return False


def refused_as_one_too_many(socket) -> bool:
    error = json.loads(socket.recv(timeout=10))
    with pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=10)
    return (error["type"], error["error"]["code"], closed.value.rcvd.code) == ("error", "RATE_LIMITED", 4429)


def test_a_user_holds_at_most_the_bound_of_sockets_across_channels(bounded_stack):
    user, other = bounded_stack.new_user(), bounded_stack.new_user()
    paths = ("/ws/echo/", "/ws/notifications/", "/ws/presence/")
    with ExitStack() as held:
        sockets = [held.enter_context(open_socket(bounded_stack, path, user["token"])) for path in paths]
        assert all(answered_pong(socket) for socket in sockets)
        with open_socket(bounded_stack, "/ws/echo/", user["token"], ping=False) as one_too_many:
            assert refused_as_one_too_many(one_too_many)
        with open_socket(bounded_stack, "/ws/echo/", other["token"]) as others:
            assert answered_pong(others)
        sockets[0].close()
        with open_socket(bounded_stack, "/ws/echo/", user["token"]) as again:
            assert answered_pong(again)


def test_sockets_refused_before_admission_do_not_count(bounded_stack):
    user = bounded_stack.new_user()
    for _ in range(BOUND + 2):
        with open_socket(bounded_stack, "/ws/dashboard/", user["token"], ping=False) as forbidden:
            with pytest.raises(ConnectionClosed) as closed:
                forbidden.recv(timeout=10)
            assert closed.value.rcvd.code == 4403
    with ExitStack() as held:
        sockets = [held.enter_context(open_socket(bounded_stack, "/ws/echo/", user["token"]))
                   for _ in range(BOUND)]
        assert all(answered_pong(socket) for socket in sockets)
