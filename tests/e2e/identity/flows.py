"""Steps identity's e2e tests share: register, log in, and read answers with care."""
from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.fixtures.stack import Stack

PASSWORD = "password-123"
NEW_PASSWORD = "new-password-456"


def fresh_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@tessera.test"


def register(stack: Stack, email: str | None = None, **fields: Any) -> dict[str, Any]:
    """Register a fresh user; the 201 body (dev mode: with the confirm-email `token`)."""
    body = {"email": email or fresh_email(), "password": PASSWORD, "first_name": "Test",
            "last_name": "User", **fields}
    with stack.client() as http:
        answer = http.post("/api/v1/auth/register/", json=body)
    assert answer.status_code == 201, answer.text
    return no_secrets(answer).json()


def post(stack: Stack, path: str, body: Any, token: str | None = None) -> httpx.Response:
    with stack.client(token) as http:
        return no_secrets(http.post(path, json=body))


def me(stack: Stack, token: str) -> httpx.Response:
    with stack.client(token) as http:
        return no_secrets(http.get("/api/v1/users/me/"))


def refresh(stack: Stack, refresh_token: str) -> httpx.Response:
    return post(stack, "/api/v1/auth/refresh/", {"refresh": refresh_token})


def no_secrets(answer: httpx.Response) -> httpx.Response:
    """Fails if an answer holds a password, a password hash, or a field named like one."""
    for secret in ("$argon2", PASSWORD, NEW_PASSWORD):
        assert secret not in answer.text, answer.text
    if answer.is_success and answer.content:
        assert not [key for key in keys_of(answer.json()) if "password" in key.lower()], answer.text
    return answer


def keys_of(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(key for item in value.values() for key in keys_of(item))]
    if isinstance(value, list):
        return [key for item in value for key in keys_of(item)]
    return []


def assert_error(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == answer.headers["x-request-id"]
    return error
