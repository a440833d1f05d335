"""`X-Min-Position`: wait for the read models, then 503 UPSTREAM_ERROR (CONTRACT §1)."""
from __future__ import annotations

import time

import pytest

from tests.e2e.platform.conftest import SHORT_WAIT_SECONDS


def test_a_position_never_reached_is_503_after_the_configured_wait(short_wait_stack):
    token = short_wait_stack.admin_token()
    with short_wait_stack.client(token) as http:
        started = time.monotonic()
        answer = http.get("/api/v1/users/me/", headers={"X-Min-Position": "999999999"})
        waited = time.monotonic() - started
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["code"] == "UPSTREAM_ERROR"
    assert error["request_id"] == answer.headers["x-request-id"]
    assert answer.headers["retry-after"]
    assert int(answer.headers["x-projection-position"]) < 999999999
    assert SHORT_WAIT_SECONDS <= waited < 4, waited


def test_a_position_reached_answers_at_once(short_wait_stack):
    login = short_wait_stack.new_user()
    with short_wait_stack.client(login["token"]) as http:
        current = int(http.get("/api/v1/users/me/").headers["x-projection-position"])
        started = time.monotonic()
        answer = http.get("/api/v1/users/me/", headers={"X-Min-Position": str(current)})
    assert answer.status_code == 200
    assert int(answer.headers["x-projection-position"]) >= current
    assert time.monotonic() - started < SHORT_WAIT_SECONDS


def test_a_command_position_is_readable_at_once(stack):
    """Read-your-writes on the shared stack: the command's position is waited for, not refused."""
    with stack.client() as http:
        created = http.post("/api/v1/auth/register/", json={
            "email": f"ryw-{time.monotonic_ns()}@tessera.test", "password": "password-123",
            "first_name": "Read", "last_name": "Writes"})
        position = created.json()["position"]
        token = http.post("/api/v1/auth/login/", json={
            "email": created.json()["user"]["email"], "password": "password-123"}).json()["token"]
        answer = http.get("/api/v1/users/me/", headers={"X-Min-Position": str(position),
                                                        "Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert int(answer.headers["x-projection-position"]) >= position


@pytest.mark.parametrize("wanted", ["abc", "1e3", "-1", "1.5", "", "0x10", "١٢"])
def test_a_position_that_is_not_a_whole_number_is_refused(stack, wanted):
    """Ignored, it let the client believe its read-your-writes was honoured."""
    with stack.client(stack.new_user()["token"]) as http:
        answer = http.get("/api/v1/users/me/", headers={"X-Min-Position": wanted.encode()})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["details"]) == (
        "INVALID_PAYLOAD", {"X-Min-Position": ["X-Min-Position must be a non-negative integer"]})
    assert error["request_id"] == answer.headers["x-request-id"]
    assert int(answer.headers["x-projection-position"]) >= 0


@pytest.mark.parametrize("path, status", [("/api/v1/users/me/", 401), ("/api/v1/projects/not-a-uuid/", 404),
                                          ("/api/v1/nowhere/", 404)])
def test_query_answers_that_no_handler_made_carry_the_projection_position(stack, path, status):
    """A 401 of the bearer check and the router's 404s came without it (CONTRACT §1: every
    query response carries it)."""
    with stack.client() as http:
        current = int(http.get("/health/").headers["x-projection-position"])
        for method in ("GET", "HEAD"):
            answer = http.request(method, path)
            assert answer.status_code == status
            assert int(answer.headers["x-projection-position"]) >= current
