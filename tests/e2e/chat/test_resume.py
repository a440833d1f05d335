"""Reconnecting with `?since=` (§6) gets exactly the missed messages, then live ones."""
from __future__ import annotations

from tests.e2e.chat.flows import Person, frames_until, is_message, next_frame


def test_a_reconnect_with_since_receives_exactly_the_missed_messages(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    with bob.socket(conversation) as socket:
        ann.say(conversation, "seen live")
        since = next_frame(socket, is_message("seen live"))["position"]
    missed = [ann.say(conversation, f"missed {i}")["id"] for i in range(3)]
    with bob.socket(conversation, since=since, ready=False) as socket:
        backlog = frames_until(socket, is_message("missed 2"))
        ann.say(conversation, "live again")
        live = frames_until(socket, is_message("live again"))
    received = [f for f in backlog + live if f["type"] == "message"]
    assert [f["data"]["id"] for f in received[:3]] == missed
    assert [f["data"]["content"]["text"] for f in received] == ["missed 0", "missed 1", "missed 2", "live again"]
    assert all(f["position"] > since for f in received)
    assert [f["position"] for f in received] == sorted({f["position"] for f in received})
