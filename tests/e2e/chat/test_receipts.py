"""Receipts (§5.4, §6): per participant `sent → delivered → read`, pushed as `status` frames."""
from __future__ import annotations

import json
from contextlib import ExitStack

from tests.e2e.chat.flows import Person, is_message, next_frame, wait_until


def status_of(message_id: str, status: str):
    return lambda f: f["type"] == "status" and f["data"]["message_id"] == message_id and f["data"]["status"] == status


def statuses(person: Person, conversation: str, position: int | None = None) -> dict[str, str]:
    return {m["content"]["text"]: m["status"] for m in person.history(conversation, position)["results"]}


def test_a_message_goes_from_sent_to_delivered_to_read(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    with ann.socket(conversation) as ann_socket:
        first = ann.say(conversation, "first")
        assert first["status"] == "sent" and first["receipts"] == [{"user_id": bob.id, "status": "sent"}]
        assert statuses(ann, conversation, first["position"]) == {"first": "sent"}
        with bob.socket(conversation) as bob_socket:
            second = ann.say(conversation, "second")
            next_frame(bob_socket, is_message("second"))
            for message in (first, second):
                frame = next_frame(ann_socket, status_of(message["id"], "delivered"))
                assert frame["channel"] == f"chat:{conversation}:{ann.id}"
                assert frame["data"]["changes"] == [{"user_id": bob.id, "status": "delivered"}]
            wait_until(lambda: statuses(ann, conversation) == {"first": "delivered", "second": "delivered"})
            bob_socket.send(json.dumps({"type": "read", "message_id": first["id"]}))
            next_frame(ann_socket, status_of(first["id"], "read"))
            assert wait_until(lambda: statuses(ann, conversation) == {"first": "read", "second": "delivered"})
            read = bob.read(second["id"])
            assert read["status"] == "read" and read["conversation_id"] == conversation
            next_frame(ann_socket, status_of(second["id"], "read"))
    message = ann.history(conversation, read["position"])["results"][-1]
    assert message["status"] == "read" and message["receipts"] == [{"user_id": bob.id, "status": "read"}]


def test_reading_history_counts_as_delivery(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    with ann.socket(conversation) as ann_socket:
        message = ann.say(conversation, "fetched later")
        bob.history(conversation, message["position"])
        frame = next_frame(ann_socket, status_of(message["id"], "delivered"))
        assert frame["data"]["changes"] == [{"user_id": bob.id, "status": "delivered"}]


def test_a_group_message_is_read_once_every_other_participant_read_it(stack):
    ann, bob, cid = Person(stack, "Ann"), Person(stack, "Bob"), Person(stack, "Cid")
    conversation = ann.conversation(bob, cid)
    with ExitStack() as opened:
        ann_socket = opened.enter_context(ann.socket(conversation))
        readers = [opened.enter_context(p.socket(conversation)) for p in (bob, cid)]
        message = ann.say(conversation, "hello group")
        for reader in readers:
            next_frame(reader, is_message("hello group"))
        next_frame(ann_socket, status_of(message["id"], "delivered"))
        bob.read(message["id"])
        partial = next_frame(ann_socket, lambda f: f["type"] == "status" and any(
            c["status"] == "read" for c in f["data"]["changes"]))
        assert partial["data"]["status"] == "delivered"
        assert partial["data"]["changes"] == [{"user_id": bob.id, "status": "read"}]
        cid.read(message["id"])
        next_frame(ann_socket, status_of(message["id"], "read"))
    receipts = ann.history(conversation)["results"][-1]["receipts"]
    assert sorted(receipts, key=lambda r: r["user_id"]) == sorted(
        [{"user_id": bob.id, "status": "read"}, {"user_id": cid.id, "status": "read"}], key=lambda r: r["user_id"])


def test_a_read_frame_for_an_unknown_message_gets_an_error_frame(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    with bob.socket(conversation) as socket:
        for frame in ({"type": "read", "message_id": "nope"},
                      {"type": "read", "message_id": "00000000-0000-0000-0000-000000000000"},
                      {"type": "dance"}, {"type_message": "text", "content": {"text": ""}}):
            socket.send(json.dumps(frame))
            error = next_frame(socket, lambda f: f["type"] == "error")
            assert error["error"]["code"] in ("INVALID_PAYLOAD", "NOT_FOUND"), error
        socket.send('{"type": "ping"}')
        next_frame(socket, lambda f: f["type"] == "pong")
