"""`/ws/notifications/`: platform notifications to every connected user, own ones to their user."""
from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def next_notification(socket: Any, wanted_id: str) -> dict[str, Any]:
    """The `notification` frame of `wanted_id`, skipping other tests' platform frames."""
    while True:
        frame = json.loads(socket.recv(timeout=15))
        if frame["type"] == "notification" and frame["data"]["id"] == wanted_id:
            return frame


def test_connected_users_receive_platform_and_own_notifications_only(stack, sender, reader_factory):
    alice, bob = reader_factory(), reader_factory()
    with connect(f"{stack.ws_url}/ws/notifications/?token={alice.token}") as a_socket, \
            connect(f"{stack.ws_url}/ws/notifications/?token={bob.token}") as b_socket:
        for socket in (a_socket, b_socket):  # subscribed once a ping is answered
            socket.send('{"type": "ping"}')
            assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}
        private = sender.send("user", alice.id)
        platform = sender.send()
        frame = next_notification(a_socket, private["id"])
        assert frame["channel"] == f"notifications:user:{alice.id}"
        assert frame["position"] == private["position"]
        assert frame["data"]["title"] == private["title"] and frame["data"]["read"] is False
        assert next_notification(a_socket, platform["id"])["channel"] == "notifications:platform"
        frame = next_notification(b_socket, platform["id"])
        assert frame["data"]["obj_code"] == "platform"
        while True:  # bob's socket saw platform only; alice's private frame never reached him
            b_socket.send('{"type": "ping"}')
            reply = json.loads(b_socket.recv(timeout=10))
            assert reply.get("data", {}).get("id") != private["id"]
            if reply == {"type": "pong"}:
                break


def test_a_reconnecting_client_resumes_from_since(stack, sender, reader_factory):
    alice = reader_factory()
    missed = sender.send("user", alice.id)
    url = f"{stack.ws_url}/ws/notifications/?token={alice.token}&since={missed['position'] - 1}"
    with connect(url) as socket:
        assert next_notification(socket, missed["id"])["position"] == missed["position"]


@pytest.mark.parametrize("query", ["?token=bad", ""])
def test_a_bad_token_closes_with_4401(stack, query):
    with connect(f"{stack.ws_url}/ws/notifications/{query}") as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
