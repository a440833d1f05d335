"""`/ws/chat/{id}/` (§6): participants only, one command path for socket and REST, typing."""
from __future__ import annotations

import json
from contextlib import ExitStack

import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.chat.flows import Person, frames_until, is_message, next_frame


def test_a_non_participant_is_closed_with_4403(stack):
    ann, bob, eve = Person(stack, "Ann"), Person(stack, "Bob"), Person(stack, "Eve")
    conversation = ann.conversation(bob)
    with eve.socket(conversation, ready=False) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def test_socket_and_rest_messages_reach_every_participant_identically(stack):
    ann, bob, cid = Person(stack, "Ann"), Person(stack, "Bob"), Person(stack, "Cid")
    conversation = ann.conversation(bob, cid, name="trio")
    with ExitStack() as opened:
        sockets = {p.id: opened.enter_context(p.socket(conversation)) for p in (ann, bob, cid)}
        sockets[ann.id].send(json.dumps({"type_message": "text", "content": {"text": "over the socket"}}))
        posted = bob.say(conversation, "over REST")
        for text in ("over the socket", "over REST"):
            seen = [next_frame(s, is_message(text)) for s in sockets.values()]
            assert all(frame == seen[0] for frame in seen), seen
            assert seen[0]["channel"] == f"chat:{conversation}"
    assert seen[0]["data"]["id"] == posted["id"]
    assert seen[0]["data"]["sender"] == posted["sender"] == bob.card()
    assert {k: posted[k] for k in ("type_message", "content", "created_at", "conversation_id")} == {
        k: seen[0]["data"][k] for k in ("type_message", "content", "created_at", "conversation_id")}


def test_typing_is_pushed_to_the_conversation(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    with ann.socket(conversation) as typist, bob.socket(conversation) as reader:
        typist.send('{"type": "typing"}')
        frame = next_frame(reader, lambda f: f["type"] == "typing")
        assert frame["data"]["user_id"] == ann.id and frame["data"]["conversation_id"] == conversation
        assert frame["channel"] == f"chat:{conversation}"


def test_a_resume_from_beyond_every_position_still_gets_typing(stack):
    """On SQLite a `since` past the 64-bit range made the backlog query raise inside the
    socket's pump, so the socket stayed open and silent: no typing, nothing live, ever."""
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    with ann.socket(conversation) as typist, bob.socket(conversation, since=10**23) as reader:
        typist.send('{"type": "typing"}')
        assert next_frame(reader, lambda f: f["type"] == "typing")["data"]["user_id"] == ann.id


@pytest.mark.parametrize("frame, field", [
    ({"type_message": "text", "content": {"text": ""}}, "content.text"),
    ({"type_message": "text"}, "content"),
    ({"type_message": "text", "content": {"text": "x"}, "client_id": "abc"}, "client_id"),
    ({"type_message": "video", "content": {"text": "x"}}, "type_message"),
    ({"type": "read", "message_id": "nope"}, "message_id"),
])
def test_a_refused_frame_names_its_field_in_details_as_http_does(stack, frame, field):
    """Error frames had empty `details`, and a valid JSON frame missing a field or carrying an
    unknown one was called "Malformed JSON frame"."""
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    with ann.socket(conversation) as socket:
        socket.send(json.dumps(frame))
        error = next_frame(socket, lambda f: f["type"] == "error")["error"]
        socket.send('{"type": "ping"}')
        assert next_frame(socket, lambda f: f["type"] == "pong")
    assert error["code"] == "INVALID_PAYLOAD" and error["message"] != "Malformed JSON frame"
    assert list(error["details"]) == [field] and error["details"][field], error
    assert field in error["message"], error


def test_typing_right_after_the_handshake_reaches_the_new_socket(stack):
    """The socket was accepted before it subscribed: typing sent in that window was lost (here
    a race the server usually won; `test_socket_handshake.py` checks the order itself)."""
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    for _ in range(3):
        with ann.socket(conversation) as typist, bob.socket(conversation, ready=False) as reader:
            typist.send('{"type": "typing"}')
            assert next_frame(reader, lambda f: f["type"] == "typing", timeout=5)["data"]["user_id"] == ann.id


def test_typing_is_not_echoed_to_the_typist(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    with ann.socket(conversation) as typist, bob.socket(conversation) as reader:
        typist.send('{"type": "typing"}')
        assert next_frame(reader, lambda f: f["type"] == "typing")["data"]["user_id"] == ann.id
        bob.say(conversation, "after the typing")
        seen = frames_until(typist, is_message("after the typing"))
    assert not [f for f in seen if f["type"] == "typing"], seen


def test_a_read_on_one_conversations_socket_cannot_mark_another_conversation(stack):
    """`{"type": "read"}` on `/ws/chat/{X}/` naming a message of conversation Y (the user is
    in both) marked it read in Y."""
    ann, bob, cid = Person(stack, "Ann"), Person(stack, "Bob"), Person(stack, "Cid")
    with_bob, with_cid = ann.conversation(bob), ann.conversation(cid)
    elsewhere = cid.say(with_cid, "not on this socket")
    with ann.socket(with_bob) as socket:
        socket.send(json.dumps({"type": "read", "message_id": elsewhere["id"]}))
        error = next_frame(socket, lambda f: f["type"] == "error")["error"]
        socket.send('{"type": "ping"}')
        assert next_frame(socket, lambda f: f["type"] == "pong")
    assert error["code"] == "NOT_FOUND", error
    [message] = cid.history(with_cid, elsewhere["position"])["results"]
    assert message["status"] != "read", message
