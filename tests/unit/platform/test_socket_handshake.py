"""The order of a socket's first steps: subscribed to its channels before the handshake ends."""
from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from uuid import uuid4

from litestar.datastructures import State
from litestar.exceptions import WebSocketDisconnect

from query_api.push import sockets
from query_api.push.hub import PushHub


class HandshakeSocket:
    """Records whether the hub held the socket's channel when it was accepted."""

    def __init__(self, runtime: SimpleNamespace) -> None:
        self.query_params = {"token": "t"}
        self.app = SimpleNamespace(state=State({"runtime": runtime}))
        self.scope: dict = {}
        self.runtime = runtime
        self.subscribed_when_accepted: bool | None = None
        self.closed = None

    async def accept(self) -> None:
        self.subscribed_when_accepted = "chat:x" in self.runtime.hub._subscribers

    async def receive(self) -> dict:
        raise WebSocketDisconnect(detail="gone", code=1000)

    async def send_json(self, data: dict) -> None:
        pass

    async def send_text(self, text: str) -> None:
        pass

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = code


def test_a_socket_is_subscribed_before_its_handshake_completes(monkeypatch):
    """Accepted first, a socket missed whatever was published while it authenticated and
    looked up its channels: a typing frame sent right after its client connected was lost."""
    runtime = SimpleNamespace(hub=PushHub(store=None), settings=SimpleNamespace(
        ws_token_recheck_seconds=30, ws_max_sockets_per_user=100))

    async def principal_for(runtime, token):
        return SimpleNamespace(id=uuid4()), {"exp": time.time() + 60}

    async def channels_for(runtime, principal):
        return ["chat:x"]

    monkeypatch.setattr(sockets, "principal_for", principal_for)
    socket = HandshakeSocket(runtime)
    asyncio.run(sockets.serve(socket, "chat", channels_for))
    assert socket.subscribed_when_accepted is True
    assert not runtime.hub._subscribers  # and unsubscribed once it closed
