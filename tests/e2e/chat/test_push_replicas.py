"""Production shape: two push replicas, participants on different ones, see the same chat."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.servers import free_port
from tests.e2e.chat.flows import Person, is_message, next_frame
from tests.fixtures.stack import Stack, wait_healthy

pytestmark = pytest.mark.production


@pytest.fixture(scope="module")
def second_push(production_stack: Stack) -> Iterator[str]:
    """Another `tessera serve push` beside the stack's own; its WebSocket base URL."""
    port = free_port()
    log = Path(production_stack.env["TESSERA_DATA_DIR"]) / "push-2.log"
    production_stack.define("push-2", ["serve", "push", "--host", "127.0.0.1", "--port", str(port)], log)
    production_stack.start("push-2")
    try:
        wait_healthy(f"http://127.0.0.1:{port}", production_stack.processes["push-2"], log)
        yield f"ws://127.0.0.1:{port}"
    finally:
        production_stack.stop("push-2")


def test_messages_typing_and_receipts_cross_push_replicas(production_stack, second_push):
    ann, bob = Person(production_stack, "Ann"), Person(production_stack, "Bob")
    conversation = ann.conversation(bob)
    with ann.socket(conversation) as ann_socket, bob.socket(conversation, ws_url=second_push) as bob_socket:
        ann_socket.send(json.dumps({"type_message": "text", "content": {"text": "across replicas"}}))
        message = next_frame(bob_socket, is_message("across replicas"))
        assert next_frame(ann_socket, is_message("across replicas")) == message
        status = next_frame(ann_socket, lambda f: f["type"] == "status")
        assert status["data"]["message_id"] == message["data"]["id"] and status["data"]["status"] == "delivered"
        bob_socket.send('{"type": "typing"}')
        typing = next_frame(ann_socket, lambda f: f["type"] == "typing")
        assert typing["data"]["user_id"] == bob.id
