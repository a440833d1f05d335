"""An open socket holds a token like any request does: it closes with 4401 when the token
expires and soon after it is revoked (CONTRACT §6, §2 "its tokens stop working").

The stacks are this module's own: access tokens last 3 s and open sockets recheck theirs
every half second (TESSERA_ACCESS_TOKEN_SECONDS, TESSERA_WS_TOKEN_RECHECK).
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.fixtures.stack import Stack, start_own_embedded

TOKEN_SECONDS = 3
SHORT_LIVED = {"TESSERA_ACCESS_TOKEN_SECONDS": str(TOKEN_SECONDS), "TESSERA_WS_TOKEN_RECHECK": "0.5"}


@pytest.fixture(scope="module", params=["embedded", "embedded_pg"])
def short_token_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    yield from start_own_embedded(request, SHORT_LIVED)


def closed_by_server(socket, within: float) -> tuple[int, str, float]:
    """Wait for the server to close the socket: its close code, reason and when (seconds)."""
    started = time.monotonic()
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            socket.recv(timeout=within)
    assert closed.value.rcvd is not None, "the server did not close the socket"
    return closed.value.rcvd.code, closed.value.rcvd.reason, time.monotonic() - started


def test_a_socket_closes_with_4401_when_its_token_expires(short_token_stack):
    user = short_token_stack.new_user()
    with connect(f"{short_token_stack.ws_url}/ws/echo/?token={user['token']}") as socket:
        socket.send(json.dumps({"type": "ping"}))
        assert json.loads(socket.recv(timeout=5)) == {"type": "pong"}
        code, reason, after = closed_by_server(socket, TOKEN_SECONDS + 5)
    assert (code, reason) == (4401, "token expired") and after <= TOKEN_SECONDS + 1


@pytest.mark.parametrize("path", ["/ws/notifications/", "/ws/presence/"])
def test_a_socket_closes_with_4401_soon_after_its_user_is_deactivated(short_token_stack, path):
    user = short_token_stack.new_user()
    with connect(f"{short_token_stack.ws_url}{path}?token={user['token']}") as socket:
        with short_token_stack.client(user["token"]) as http:
            assert http.delete("/api/v1/users/me/").status_code == 204
        code, reason, after = closed_by_server(socket, TOKEN_SECONDS + 5)
    assert (code, reason) == (4401, "token revoked") and after < TOKEN_SECONDS
