"""Message types, their validation, and history with the `before` cursor (§5.4)."""
from __future__ import annotations

import pytest

from tests.e2e.chat.flows import API, Person


@pytest.fixture(scope="module")
def pair(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    return ann, bob, ann.conversation(bob)


@pytest.mark.parametrize("type_message, content", [
    ("text", {"text": "hello ✓"}),
    ("image", {"url": "https://images.example/cat.png"}),
    ("link", {"url": "http://example.org/page?q=1", "title": "A page"}),
    ("file", {"url": "https://files.example/report.pdf", "name": "report.pdf"}),
])
def test_every_type_is_posted_with_its_sender_and_kept_in_history(pair, type_message, content):
    ann, bob, conversation = pair
    answer = ann.post(conversation, type_message, content)
    assert answer.status_code == 201, answer.text
    message = answer.json()
    assert message["type_message"] == type_message and message["content"] == content
    assert message["sender"] == ann.card() and message["conversation_id"] == conversation
    assert message["status"] == "sent" and message["created_at"].endswith("Z")
    stored = bob.history(conversation, message["position"])["results"][-1]
    assert {k: stored[k] for k in ("id", "sender", "type_message", "content", "created_at")} == {
        k: message[k] for k in ("id", "sender", "type_message", "content", "created_at")}


@pytest.mark.parametrize("type_message, content, field", [
    ("text", {}, "content.text"),
    ("text", {"text": "   "}, "content.text"),
    ("text", {"text": "x" * 4001}, "content.text"),
    ("text", {"text": 5}, "content.text"),
    ("image", {"text": "no url"}, "content.url"),
    ("link", {"url": "javascript:alert(1)"}, "content.url"),
    ("file", {"url": "ftp://files.example/a"}, "content.url"),
    ("link", {"url": "http://"}, "content.url"),
    ("image", {"url": "/files/chat/0123/x.png"}, "content.url"),
    ("text", {"text": "hi", "nested": {"a": 1}}, "content.nested"),
    # a field named by 1 MB of text made an event Kafka refused, and the relay stalled on it
    ("text", {"text": "hi", "k" * 65: 1}, "content"),
])
def test_invalid_content_is_refused_with_the_field_named(pair, type_message, content, field):
    ann, _, conversation = pair
    answer = ann.post(conversation, type_message, content)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "INVALID_PAYLOAD" and field in error["details"], error


@pytest.mark.parametrize("body", [
    {"type_message": "video", "content": {"url": "https://v.example/a.mp4"}},
    {"type_message": "text", "content": "hello"},
    {"type_message": "text"},
    {"content": {"text": "hi"}},
])
def test_malformed_bodies_are_invalid_payloads(pair, body):
    ann, _, conversation = pair
    answer = ann.http.post(f"{API}/conversations/{conversation}/messages/", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "INVALID_PAYLOAD"


def test_history_pages_backwards_with_the_before_cursor(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    posted = [(ann if i % 2 else bob).say(conversation, f"m{i}") for i in range(7)]
    position = max(m["position"] for m in posted)
    pages, before = [], None
    while True:
        params = {"limit": 3, **({"before": before} if before else {})}
        page = ann.history(conversation, position, **params)
        pages.append([m["content"]["text"] for m in page["results"]])
        before = page["next_before"]
        if before is None:
            break
        assert before == page["results"][0]["id"]
    assert pages == [["m4", "m5", "m6"], ["m1", "m2", "m3"], ["m0"]]
    whole = ann.history(conversation, position)
    assert [m["id"] for m in whole["results"]] == [m["id"] for m in posted] and whole["next_before"] is None


@pytest.mark.parametrize("limit", ["101", "99999999999999999999"])
def test_a_history_limit_of_any_size_is_capped_at_100(pair, limit):
    """It was 400 above 10^12 (README: `limit` is capped at 100)."""
    ann, _, conversation = pair
    answer = ann.get(f"{API}/conversations/{conversation}/messages/", limit=limit)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "x"}, {"limit": "²"}, {"before": "nope"},
                                    {"before": "00000000-0000-0000-0000-000000000000"}])
def test_bad_history_parameters_are_invalid(pair, params):
    ann, _, conversation = pair
    answer = ann.get(f"{API}/conversations/{conversation}/messages/", **params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "INVALID_PAYLOAD"
