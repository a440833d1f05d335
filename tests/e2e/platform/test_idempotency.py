"""`Idempotency-Key`: a repeat returns the first answer and appends nothing (CONTRACT §1)."""
from __future__ import annotations

import uuid


def log_head(stack) -> int:
    """The event store's last position, as `health/ready/` reports it."""
    with stack.client() as http:
        return http.get("/health/ready/").json()["head"]


def registration(email: str) -> dict:
    return {"email": email, "password": "password-123", "first_name": "Idem", "last_name": "Potent"}


def test_a_repeated_command_replays_the_first_answer(stack):
    key = f"signup-{uuid.uuid4()}"
    email = f"idem-{uuid.uuid4().hex[:10]}@tessera.test"
    with stack.client() as http:
        first = http.post("/api/v1/auth/register/", json=registration(email), headers={"Idempotency-Key": key})
        assert first.status_code == 201, first.text
        head = log_head(stack)
        assert head >= first.json()["position"]
        again = http.post("/api/v1/auth/register/", json=registration(email), headers={"Idempotency-Key": key})
    assert again.status_code == 201
    assert again.content == first.content
    assert again.json()["user"]["id"] == first.json()["user"]["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert log_head(stack) == head


def test_the_first_answer_wins_even_for_a_different_body(stack):
    key = f"signup-{uuid.uuid4()}"
    email = f"idem-{uuid.uuid4().hex[:10]}@tessera.test"
    with stack.client() as http:
        first = http.post("/api/v1/auth/register/", json=registration(email), headers={"Idempotency-Key": key})
        head = log_head(stack)
        other = http.post("/api/v1/auth/register/", json=registration("x" + email), headers={"Idempotency-Key": key})
        assert other.content == first.content
        assert log_head(stack) == head
        stranger = http.post("/api/v1/auth/login/", json={"email": "x" + email, "password": "password-123"})
    assert stranger.status_code == 401


def test_errors_are_replayed_too(stack):
    """A 4xx is an answer: repeating the key gets the same conflict, not a second attempt."""
    email = stack.new_user()["user"]["email"]
    key = f"dup-{uuid.uuid4()}"
    with stack.client() as http:
        first = http.post("/api/v1/auth/register/", json=registration(email), headers={"Idempotency-Key": key})
        again = http.post("/api/v1/auth/register/", json=registration(email), headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 409
    assert again.json()["error"] == first.json()["error"]
    assert again.headers["idempotent-replayed"] == "true"


def test_the_key_is_scoped_to_the_route(stack):
    key = f"shared-{uuid.uuid4()}"
    email = f"idem-{uuid.uuid4().hex[:10]}@tessera.test"
    with stack.client() as http:
        registered = http.post("/api/v1/auth/register/", json=registration(email), headers={"Idempotency-Key": key})
        login = http.post("/api/v1/auth/login/", json={"email": email, "password": "password-123"},
                          headers={"Idempotency-Key": key})
    assert registered.status_code == 201
    assert login.status_code == 200 and "token" in login.json()
    assert "idempotent-replayed" not in login.headers


def test_without_a_key_a_repeat_runs_again(stack):
    email = f"idem-{uuid.uuid4().hex[:10]}@tessera.test"
    with stack.client() as http:
        first = http.post("/api/v1/auth/register/", json=registration(email))
        again = http.post("/api/v1/auth/register/", json=registration(email))
    assert (first.status_code, again.status_code) == (201, 409)
