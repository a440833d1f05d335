"""Private and group conversations, the conversation list, and who may see what (§5.4)."""
from __future__ import annotations

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
