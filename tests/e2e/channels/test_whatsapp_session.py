"""The messaging-channel session over REST and `/ws/whatsapp/`, driven by the stub driver."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from PIL import Image
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

API = "/api/v1/whatsapp"


def frames_until(socket: Any, done: Any, limit: int = 50) -> list[dict[str, Any]]:
    """Frames received until `done(frame)`; fails if it never comes."""
    seen = []
    for _ in range(limit):
        frame = json.loads(socket.recv(timeout=15))
        seen.append(frame)
        if done(frame):
            return seen
    raise AssertionError(f"frame never came; got {seen}")


def status_of(http: Any, position: int | None = None) -> str:
    headers = {"X-Min-Position": str(position)} if position else {}
    answer = http.get(f"{API}/session/status/", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["status"]


@pytest.fixture
def admin(stack) -> str:
    return stack.admin_token()


@pytest.fixture
def ready_session(stack, admin) -> Any:
    """A socket open on a session that went through the whole state machine."""
    with stack.client(admin) as http:
        assert http.delete(f"{API}/session/").status_code == 204
    with connect(f"{stack.ws_url}/ws/whatsapp/?token={admin}") as socket:
        with stack.client(admin) as http:
            answer = http.post(f"{API}/session/start/")
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "connecting"
        frames = frames_until(socket, lambda f: f["data"].get("status") == "ready")
        # The DELETE's own `disconnected` frame may still be on its way (in production it comes
        # through Kafka after the read model says so, which is all the 204 waits for).
        yield socket, [f for f in frames if f["position"] >= answer.json()["position"]]


def test_start_goes_through_qrcode_to_ready(stack, admin, ready_session):
    _, frames = ready_session
    statuses = [f["data"]["status"] for f in frames if f["type"] == "session_status"]
    assert statuses == ["connecting", "qrcode", "authenticated", "ready"]
    assert all(f["channel"] == "whatsapp" and f["position"] > 0 for f in frames)
    [qrcode] = [f for f in frames if f["type"] == "qrcode"]
    image = Image.open(io.BytesIO(base64.b64decode(qrcode["data"]["image_b64"])))
    assert image.format == "PNG" and image.size[0] == image.size[1] >= 100
    with stack.client(admin) as http:
        assert status_of(http, frames[-1]["position"]) == "ready"
        again = http.post(f"{API}/session/start/")
        assert again.status_code == 202 and again.json()["status"] == "ready"


def test_a_sent_message_is_acknowledged_sent_delivered_read(stack, admin, ready_session):
    socket, _ = ready_session
    with stack.client(admin) as http:
        answer = http.post(
            f"{API}/messages/", json={"to": "+15550100", "type": "text", "text": "Hello"}
        )
    assert answer.status_code == 202, answer.text
    message_id = answer.json()["message_id"]
    frames = frames_until(socket, lambda f: f["data"].get("status") == "read")
    assert [(f["type"], f["data"]) for f in frames] == [
        ("message_status", {"message_id": message_id, "status": status})
        for status in ("queued", "sent", "delivered", "read")
    ]
    with stack.client(admin) as http:
        stored = http.get(
            f"{API}/messages/{message_id}/", headers={"X-Min-Position": str(frames[-1]["position"])}
        )
    assert stored.json()["status"] == "read" and stored.json()["text"] == "Hello"


def test_an_injected_inbound_message_is_pushed(stack, admin, ready_session):
    socket, _ = ready_session
    with stack.client(admin) as http:
        answer = http.post(f"{API}/stub/inbound/", json={"from": "+15550199", "text": "Hi there"})
    assert answer.status_code == 202, answer.text
    [frame] = frames_until(socket, lambda f: f["type"] == "message_received")
    assert frame["data"]["message_id"] == answer.json()["message_id"]
    assert (frame["data"]["from"], frame["data"]["type"], frame["data"]["text"]) == (
        "+15550199",
        "text",
        "Hi there",
    )


def test_ending_the_session_disconnects_and_later_messages_fail(stack, admin, ready_session):
    socket, _ = ready_session
    with stack.client(admin) as http:
        assert http.delete(f"{API}/session").status_code == 204
        frames_until(socket, lambda f: f["data"].get("status") == "disconnected")
        assert status_of(http) == "disconnected"
        message_id = http.post(f"{API}/messages", json={"to": "+15550100", "text": "Lost"}).json()[
            "message_id"
        ]
    failed = frames_until(socket, lambda f: f["data"].get("status") == "failed")[-1]
    assert failed["data"] == {
        "message_id": message_id,
        "status": "failed",
        "reason": "session is disconnected",
    }


def test_the_status_reads_disconnected_as_soon_as_the_end_is_answered(stack, admin, ready_session):
    """A 204 has no position to wait for, so the answer waits for the status read model."""
    with stack.client(admin) as http:
        assert http.delete(f"{API}/session").status_code == 204
        assert status_of(http) == "disconnected"


def test_only_staff_may_use_the_channel(stack):
    token = stack.new_user()["token"]
    with stack.client(token) as http:
        assert http.post(f"{API}/session/start").json()["error"]["code"] == "FORBIDDEN"
        assert http.get(f"{API}/session/status").status_code == 403
        assert (
            http.post(f"{API}/messages", json={"to": "+15550100", "text": "x"}).status_code == 403
        )
    url = f"{stack.ws_url}/ws/whatsapp/?token={token}"
    with connect(url) as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def test_a_bad_message_body_is_400(stack, admin):
    with stack.client(admin) as http:
        for body in (
            {"to": "+15550100", "text": ""},
            {"to": "nobody", "text": "x"},
            {"to": "+15550100", "text": "x", "type": "video"},
        ):
            answer = http.post(f"{API}/messages", json=body)
            assert answer.status_code == 400 and answer.json()["error"]["code"] == "INVALID_PAYLOAD"
