"""The conversation list (§5.4): latest activity first, unread counts, last message, avatars."""
from __future__ import annotations

from tests.e2e.chat.flows import Person


def listing(person: Person, position: int) -> dict[str, dict]:
    return {c["id"]: c for c in person.conversations(position)}


def test_conversations_are_ordered_by_latest_activity_with_unread_counts(stack):
    ann, bob, cid = Person(stack, "Ann"), Person(stack, "Bob"), Person(stack, "Cid")
    with_bob, with_cid = ann.conversation(bob), ann.conversation(cid)
    first = bob.say(with_bob, "one")
    bob.say(with_bob, "two")
    latest = cid.say(with_cid, "three")
    order = [c["id"] for c in ann.conversations(latest["position"])]
    assert order[:2] == [with_cid, with_bob]
    mine = listing(ann, latest["position"])
    assert mine[with_bob]["unread_count"] == 2 and mine[with_cid]["unread_count"] == 1
    assert mine[with_cid]["last_message"]["id"] == latest["id"]
    assert mine[with_cid]["last_message"]["sender"] == cid.card()
    assert {p["id"]: p for p in mine[with_bob]["participants"]}[bob.id] == bob.card()
    assert listing(bob, latest["position"])[with_bob]["unread_count"] == 0
    read = ann.read(first["id"])
    assert listing(ann, read["position"])[with_bob]["unread_count"] == 1
    reply = ann.say(with_bob, "back to you")
    for person in (ann, bob):
        assert [c["id"] for c in person.conversations(reply["position"])][0] == with_bob
    assert listing(bob, reply["position"])[with_bob]["unread_count"] == 1
    assert listing(ann, reply["position"])[with_bob]["last_message"]["content"] == {"text": "back to you"}


def test_reading_the_latest_message_clears_every_earlier_one(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    said = [bob.say(conversation, f"n{i}") for i in range(4)]
    assert listing(ann, said[-1]["position"])[conversation]["unread_count"] == 4
    read = ann.read(said[-1]["id"])
    assert listing(ann, read["position"])[conversation]["unread_count"] == 0
    older = ann.read(said[0]["id"])
    assert listing(ann, older["position"])[conversation]["unread_count"] == 0
    detail = ann.get(f"/api/v1/chat/conversations/{conversation}/", older["position"]).json()
    assert detail["unread_count"] == 0 and detail["last_message"]["id"] == said[-1]["id"]
