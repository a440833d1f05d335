"""Private and group conversations, the conversation list, and who may see what (§5.4)."""
from __future__ import annotations

import uuid

import pytest

from tests.e2e.chat.flows import API, Person


def test_a_private_conversation_is_created_once_whoever_starts_it(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    first = ann.start(bob)
    assert first.status_code == 201, first.text
    again, reverse = ann.start(bob), bob.start(ann)
    assert again.status_code == 200 and reverse.status_code == 200
    assert first.json()["id"] == again.json()["id"] == reverse.json()["id"]
    body = first.json()
    assert body["kind"] == "private" and body["position"] > 0
    assert sorted(body["participants"], key=lambda p: p["id"]) == sorted(
        [ann.card(), bob.card()], key=lambda p: p["id"])
    assert body["unread_count"] == 0 and body["last_message"] is None


def test_a_group_is_new_each_time_with_its_name_and_everyone_in_it(stack):
    ann, bob, cid = Person(stack, "Ann"), Person(stack, "Bob"), Person(stack, "Cid")
    first, second = ann.start(bob, cid, name="  Book club "), ann.start(cid, bob)
    assert first.status_code == 201 and second.status_code == 201, (first.text, second.text)
    assert first.json()["id"] != second.json()["id"]
    assert first.json()["kind"] == "group" and first.json()["name"] == "Book club"
    assert second.json()["name"] is None
    assert {p["id"] for p in first.json()["participants"]} == {ann.id, bob.id, cid.id}
    listed = {c["id"] for c in cid.conversations(first.json()["position"])}
    assert {first.json()["id"], second.json()["id"]} <= listed


@pytest.mark.parametrize("body", [
    {"user_ids": []}, {"user_ids": ["not-a-uuid"]}, {}, {"user_ids": "x"},
    {"user_ids": [str(uuid.uuid4())]}, {"user_ids": ["<self>"]}, {"user_ids": ["<self>"], "extra": 1},
])
def test_bad_participants_are_refused_with_the_envelope(stack, body):
    ann = Person(stack, "Ann")
    if body.get("user_ids") == ["<self>"]:
        body = {**body, "user_ids": [ann.id]}
    answer = ann.http.post(f"{API}/conversations/", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "INVALID_PAYLOAD"


def test_only_participants_see_or_touch_a_conversation(stack):
    ann, bob, eve = Person(stack, "Ann"), Person(stack, "Bob"), Person(stack, "Eve")
    conversation = ann.conversation(bob)
    message = ann.say(conversation, "private words")
    for answer in (
        eve.get(f"{API}/conversations/{conversation}/messages/", message["position"]),
        eve.get(f"{API}/conversations/{conversation}/", message["position"]),
        eve.post(conversation, "text", {"text": "let me in"}),
        eve.http.post(f"{API}/conversations/{conversation}/attachments/", files={"file": ("a.txt", b"hi")}),
        eve.http.post(f"{API}/messages/{message['id']}/read/"),
        eve.http.post("/api/message/messages/send/", json={
            "room_id": conversation, "type_message": "text", "content": {"text": "x"}}),
    ):
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "NOT_FOUND"
    assert conversation not in {c["id"] for c in eve.conversations(message["position"])}
    assert ann.history(conversation, message["position"])["results"][0]["id"] == message["id"]


def test_the_older_api_creates_rooms_and_sends_messages(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    room = ann.http.post("/api/message/rooms/", json={"user_ids": [bob.id]})
    assert room.status_code == 201, room.text
    assert ann.http.post("/api/message/rooms", json={"user_ids": [bob.id]}).json()["id"] == room.json()["id"]
    sent = bob.http.post("/api/message/messages/send/", json={
        "room_id": room.json()["id"], "type_message": "text", "content": {"text": "old client"}})
    assert sent.status_code == 201, sent.text
    assert sent.json()["conversation_id"] == room.json()["id"] and sent.json()["sender"] == bob.card()
    history = ann.history(room.json()["id"], sent.json()["position"])["results"]
    assert [m["content"]["text"] for m in history] == ["old client"]
