"""`Idempotency-Key`: a repeat returns the first answer and appends nothing (CONTRACT §1)."""
from __future__ import annotations

import uuid

import httpx


def log_head(stack) -> int:
    """The event store's last position, as `health/ready/` reports it."""
    with stack.client() as http:
        return http.get("/health/ready/").json()["head"]


def fresh_email() -> str:
    return f"idem-{uuid.uuid4().hex[:10]}@tessera.test"


def register(http: httpx.Client, email: str, key: str | None = None) -> httpx.Response:
    body = {"email": email, "password": "password-123", "first_name": "Idem", "last_name": "Potent"}
    headers = {"Idempotency-Key": key} if key else {}
    return http.post("/api/v1/auth/register/", json=body, headers=headers)


def test_a_repeated_command_replays_the_first_answer(stack):
    key, email = f"signup-{uuid.uuid4()}", fresh_email()
    with stack.client() as http:
        first = register(http, email, key)
        assert first.status_code == 201, first.text
        head = log_head(stack)
        assert head >= first.json()["position"]
        again = register(http, email, key)
    assert again.status_code == 201
    assert again.content == first.content
    assert again.json()["user"]["id"] == first.json()["user"]["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert log_head(stack) == head


def test_the_first_answer_wins_even_for_a_different_body(stack):
    key, email = f"signup-{uuid.uuid4()}", fresh_email()
    with stack.client() as http:
        first = register(http, email, key)
        head = log_head(stack)
        other = register(http, "x" + email, key)
        assert other.content == first.content
        assert log_head(stack) == head
        never_registered = http.post("/api/v1/auth/login/",
                                     json={"email": "x" + email, "password": "password-123"})
    assert never_registered.status_code == 401


def test_errors_are_replayed_too(stack):
    """A 4xx is an answer: repeating the key gets the same conflict, not a second attempt."""
    email, key = stack.new_user()["user"]["email"], f"dup-{uuid.uuid4()}"
    with stack.client() as http:
        first, again = register(http, email, key), register(http, email, key)
    assert first.status_code == again.status_code == 409
    assert again.json()["error"] == first.json()["error"]
    assert again.headers["idempotent-replayed"] == "true"


def test_the_key_is_scoped_to_the_route(stack):
    key, email = f"shared-{uuid.uuid4()}", fresh_email()
    with stack.client() as http:
        registered = register(http, email, key)
        login = http.post("/api/v1/auth/login/", json={"email": email, "password": "password-123"},
                          headers={"Idempotency-Key": key})
    assert registered.status_code == 201
    assert login.status_code == 200 and "token" in login.json()
    assert "idempotent-replayed" not in login.headers


def test_without_a_key_a_repeat_runs_again(stack):
    email = fresh_email()
    with stack.client() as http:
        first, again = register(http, email), register(http, email)
    assert (first.status_code, again.status_code) == (201, 409)
