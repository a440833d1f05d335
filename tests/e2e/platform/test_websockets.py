"""WebSocket conventions of CONTRACT §6 on `/ws/echo/`."""
from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


@pytest.fixture(scope="module")
def echo_url(stack) -> str:
    return f"{stack.ws_url}/ws/echo/?token={stack.new_user()['token']}"


def test_echo_returns_what_it_gets(echo_url):
    with connect(echo_url) as socket:
        for frame in ({"type": "hello", "n": 1}, {"type": "note", "text": "ünïcødé ✓"}):
            socket.send(json.dumps(frame))
            assert json.loads(socket.recv(timeout=10)) == frame


def test_ping_is_answered_with_pong(echo_url):
    with connect(echo_url) as socket:
        for _ in range(2):
            socket.send('{"type": "ping"}')
            assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}


def test_echo_works_without_the_trailing_slash(stack, echo_url):
    with connect(echo_url.replace("/ws/echo/?", "/ws/echo?")) as socket:
        socket.send('{"type": "ping"}')
        assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}


@pytest.mark.parametrize("query", ["?token=not-a-token", "", "?token="])
def test_a_bad_or_missing_token_closes_with_4401(stack, query):
    with connect(f"{stack.ws_url}/ws/echo/{query}") as socket:
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


@pytest.mark.parametrize("bad", ["{not json", "[1, 2, 3]", '"just a string"'])
def test_a_malformed_frame_gets_an_error_frame_and_the_socket_stays_open(echo_url, bad):
    with connect(echo_url) as socket:
        socket.send(bad)
        error = json.loads(socket.recv(timeout=10))
        assert error["type"] == "error"
        assert error["error"]["code"] == "INVALID_PAYLOAD"
        assert error["error"]["message"] and error["error"]["timestamp"]
        socket.send('{"type": "ping"}')
        assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}


def test_a_frame_holding_a_null_character_gets_an_error_frame_and_the_socket_stays_open(echo_url):
    with connect(echo_url) as socket:
        socket.send(json.dumps({"type": "note", "text": "a\x00b"}))
        error = json.loads(socket.recv(timeout=10))
        assert error["type"] == "error"
        assert error["error"]["code"] == "INVALID_PAYLOAD"
        assert error["error"]["message"] == "Null characters are not allowed."
        socket.send(json.dumps({"type": "note", "text": "a\\u0000b"}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "note", "text": "a\\u0000b"}


def test_a_frame_nested_too_deep_gets_an_error_frame_and_the_socket_stays_open(echo_url):
    with connect(echo_url) as socket:
        socket.send("[" * 100_000)
        error = json.loads(socket.recv(timeout=10))
        assert (error["type"], error["error"]["code"]) == ("error", "INVALID_PAYLOAD")
        assert error["error"]["message"] == "JSON nested deeper than 64 levels."
        socket.send('{"type": "ping"}')
        assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}


@pytest.mark.parametrize("since", ["-1", "abc", "1.5", "", "undefined", "%C2%B2"])
@pytest.mark.parametrize("path", ["/ws/echo/", "/ws/notifications/"])
def test_a_resume_from_what_is_not_a_position_is_refused_not_taken_as_live_only(stack, echo_url, path, since):
    """Taken as "no resume", such a client got live frames only and never learnt of its gap."""
    token = echo_url.rpartition("token=")[2]
    with connect(f"{stack.ws_url}{path}?token={token}&since={since}") as socket:
        error = json.loads(socket.recv(timeout=10))
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    message = "Query parameter 'since' must be a non-negative integer"
    assert error["type"] == "error" and error["error"]["code"] == "INVALID_PAYLOAD"
    assert error["error"]["details"] == {"since": [message]}
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4400, "invalid since")


def test_a_resume_from_a_position_is_accepted(stack, echo_url):
    token = echo_url.rpartition("token=")[2]
    with connect(f"{stack.ws_url}/ws/echo/?token={token}&since=0") as socket:
        socket.send('{"type": "ping"}')
        assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}


def test_a_binary_frame_of_json_is_read_like_a_text_frame(echo_url):
    """It was read as an empty text frame: a binary ping got "Malformed JSON frame"."""
    with connect(echo_url) as socket:
        socket.send(b'{"type": "ping"}')
        assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}
        socket.send('{"type": "ping"}')
        assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}
