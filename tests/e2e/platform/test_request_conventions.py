"""X-Request-ID on every response, and paths with or without the trailing slash (CONTRACT §1)."""
from __future__ import annotations

import pytest

from tests.fixtures.api_schema import api_schema, filled


@pytest.mark.parametrize("path", ["/health/", "/api/v1/users/me/", "/api/v1/missing/", "/api/v2/"])
def test_request_id_is_echoed(stack, path):
    with stack.client() as http:
        answer = http.get(path, headers={"X-Request-ID": "trace-7f3a-0001"})
    assert answer.headers["x-request-id"] == "trace-7f3a-0001"
    if answer.status_code >= 400:
        assert answer.json()["error"]["request_id"] == "trace-7f3a-0001"


def test_request_id_is_generated_when_absent(stack):
    with stack.client() as http:
        first, second = http.get("/health/"), http.get("/api/v1/missing/")
    assert first.headers["x-request-id"] and second.headers["x-request-id"]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert second.json()["error"]["request_id"] == second.headers["x-request-id"]


def test_command_answers_carry_the_request_id(stack):
    with stack.client() as http:
        answer = http.post("/api/v1/auth/login/", headers={"X-Request-ID": "login-attempt-1"},
                           json={"email": "nobody@tessera.test", "password": "wrong-password"})
    assert answer.headers["x-request-id"] == "login-attempt-1"


@pytest.mark.parametrize("path", ["/api/v1/users/me", "/health", "/health/ready", "/api/schema"])
def test_queries_answer_with_and_without_trailing_slash(stack, path):
    token = stack.new_user()["token"] if path.startswith("/api/v1") else None
    with stack.client(token) as http:
        bare, slashed = http.get(path), http.get(path + "/")
    assert bare.status_code == slashed.status_code == 200
    assert bare.json().keys() == slashed.json().keys()


def test_commands_answer_with_and_without_trailing_slash(stack):
    login = stack.new_user()
    credentials = {"email": login["user"]["email"], "password": "password-123"}
    with stack.client() as http:
        for path in ("/api/v1/auth/login", "/api/v1/auth/login/"):
            answer = http.post(path, json=credentials)
            assert answer.status_code == 200, (path, answer.text)
            assert answer.json()["user"]["id"] == login["user"]["id"]


def test_head_is_answered_wherever_get_is_with_the_gets_status_and_headers(stack):
    """RFC 9110 §9.1; Django and DRF answer HEAD on every GET view. It was 405 everywhere."""
    paths = [filled(path) for path, item in api_schema(stack)["paths"].items() if "get" in item]
    assert len(paths) > 30
    with stack.client(stack.admin_token()) as http:
        for path in [*paths, "/health/", "/health/ready/", "/metrics", "/api/schema/", "/api/v1/nowhere/"]:
            got, head = http.get(path), http.head(path)
            assert (head.status_code, head.content) == (got.status_code, b""), path
            assert head.headers["content-type"] == got.headers["content-type"], path
        put = http.put("/api/v1/products/")
    assert put.status_code == 405 and set(put.headers["allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}
