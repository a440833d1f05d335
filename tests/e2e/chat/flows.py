"""Steps chat's e2e tests share: people, conversations, messages and chat sockets."""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.fixtures.stack import Stack

API = "/api/v1/chat"
Frame = dict[str, Any]


class Person:
    """A fresh user with a name and an avatar, and an HTTP client acting as them."""

    def __init__(self, stack: Stack, name: str) -> None:
        login = stack.new_user(first_name=name, last_name=uuid.uuid4().hex[:6])
        self.stack, self.token, self.id = stack, login["token"], login["user"]["id"]
        self.avatar_url = f"https://avatars.example/{self.id}.png"
        self.http = stack.client(self.token)
        answer = self.http.patch("/api/v1/users/me/", json={"avatar_url": self.avatar_url})
        assert answer.status_code == 200, answer.text
        self.position = answer.json().get("position") or 0
        self.first_name, self.last_name = name, login["user"]["last_name"]

    def card(self) -> dict[str, Any]:
        return {"id": self.id, "first_name": self.first_name, "last_name": self.last_name,
                "avatar_url": self.avatar_url}

    def start(self, *others: Person, name: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"user_ids": [other.id for other in others]}
        if name is not None:
            body["name"] = name
        return self.http.post(f"{API}/conversations/", json=body)

    def conversation(self, *others: Person, name: str | None = None) -> str:
        answer = self.start(*others, name=name)
        assert answer.status_code in (200, 201), answer.text
        return str(answer.json()["id"])

    def post(self, conversation_id: str, type_message: str = "text",
             content: dict[str, Any] | None = None) -> httpx.Response:
        return self.http.post(f"{API}/conversations/{conversation_id}/messages/",
                              json={"type_message": type_message, "content": content or {}})

    def say(self, conversation_id: str, text: str) -> dict[str, Any]:
        answer = self.post(conversation_id, "text", {"text": text})
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def get(self, path: str, position: int | None = None, **params: Any) -> httpx.Response:
        headers = {"X-Min-Position": str(position)} if position else {}
        return self.http.get(path, params=params, headers=headers)

    def history(self, conversation_id: str, position: int | None = None, **params: Any) -> dict[str, Any]:
        answer = self.get(f"{API}/conversations/{conversation_id}/messages/", position, **params)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def conversations(self, position: int | None = None) -> list[dict[str, Any]]:
        answer = self.get(f"{API}/conversations/", position, page_size=100)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["results"])

    def read(self, message_id: str) -> dict[str, Any]:
        answer = self.http.post(f"{API}/messages/{message_id}/read/")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    @contextmanager
    def socket(self, conversation_id: str, since: int | None = None, ws_url: str | None = None,
               ready: bool = True) -> Iterator[ClientConnection]:
        """A chat socket; `ready`: wait for a pong, so the socket is known to work before anyone
        posts. `ws_url`: another push replica."""
        query = f"?token={self.token}" + (f"&since={since}" if since is not None else "")
        with connect(f"{ws_url or self.stack.ws_url}/ws/chat/{conversation_id}/{query}") as socket:
            if ready:
                socket.send('{"type": "ping"}')
                next_frame(socket, lambda frame: frame.get("type") == "pong")
            yield socket


def next_frame(socket: ClientConnection, wanted: Callable[[Frame], bool], timeout: float = 15) -> Frame:
    """The first frame that `wanted` accepts, skipping others; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(socket.recv(timeout=max(0.01, deadline - time.monotonic())))
        if wanted(frame):
            return dict(frame)


def frames_until(socket: ClientConnection, wanted: Callable[[Frame], bool], timeout: float = 15) -> list[Frame]:
    """Every frame received up to and including the first one `wanted` accepts."""
    seen: list[Frame] = []
    next_frame(socket, lambda frame: bool(seen.append(frame)) or wanted(frame), timeout)
    return seen


def is_message(text: str) -> Callable[[Frame], bool]:
    return lambda f: f.get("type") == "message" and f["data"]["content"].get("text") == text


def wait_until(check: Callable[[], Any], timeout: float = 15, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            assert found, "condition not met in time"
            return found
        time.sleep(interval)
