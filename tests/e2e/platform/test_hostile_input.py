"""No operation of the API answers hostile input with a server error: every refusal is a 4xx in
the error envelope (CONTRACT §1), on SQLite and on PostgreSQL.

Every operation in `/api/schema/` gets malformed and ill-typed bodies, odd path parameters and
odd query values, as an admin (so that permission checks do not stop the requests before the
input is read). The stacks are this module's own: some of these requests succeed and change
data other tests count.
"""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fixtures.api_schema import api_schema, filled
from tests.fixtures.stack import Stack, start_own_embedded

BODY_METHODS = {"post", "put", "patch"}
METHODS = BODY_METHODS | {"get", "delete"}
HOSTILE_VALUES: list[Any] = [None, 10**30, -1, "", "x" * 5000, [], {}, True, 1.5, "not-a-uuid",
                             "2026-13-45", "a\x00b", {"a": [1, {"b": None}]}]
RAW_BODIES = [b"{bad json", b"[]", b"null", b"\xff\xfe", b"[" * 5000, b'{"a": "\\u0000"}']
PATH_VALUES = ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "0", "x" * 300, "a%00b", "²",
               "%ff%fe"]
QUERY_VALUES = ["x", "-1", "99999999999999999999", "", "2026-13-45", "a\x00b", "é" * 300, "²"]
# Operations whose success would end the admin's session: they run as a user of their own.
OWN_USER = re.compile(r"/users/me/?$|/logout")


@pytest.fixture(scope="module", params=["embedded", "embedded_pg"])
def own_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    yield from start_own_embedded(request, {})


def operations(stack: Stack) -> list[tuple[str, str, dict[str, Any]]]:
    schema = api_schema(stack)
    found = [(method, path, operation) for path, item in schema["paths"].items()
             for method, operation in item.items() if method in METHODS]
    for _, _, operation in found:
        operation["body_properties"] = body_properties(schema, operation)
    return found


def body_properties(schema: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    return list(body.get("properties", {}))


def hostile_requests(method: str, path: str, operation: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for value in PATH_VALUES if "{" in path else PATH_VALUES[:1]:
        url = filled(path, value)
        if method in BODY_METHODS:
            for raw in RAW_BODIES:
                yield {"url": url, "content": raw, "headers": {"Content-Type": "application/json"}}
            properties = operation["body_properties"]
            for index, name in enumerate(properties):
                yield {"url": url, "json": {name: HOSTILE_VALUES[index % len(HOSTILE_VALUES)]}}
            for shift in range(len(HOSTILE_VALUES)):
                yield {"url": url, "json": {name: HOSTILE_VALUES[(i + shift) % len(HOSTILE_VALUES)]
                                            for i, name in enumerate(properties)}}
        else:
            yield {"url": url}
    queries = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    url = filled(path, PATH_VALUES[0])
    for name in queries:
        for value in QUERY_VALUES:
            yield {"url": url, "params": {name: value}}


def refusal_problem(answer: httpx.Response) -> str | None:
    """What is wrong with the answer, or None: a 5xx, or a 4xx without the envelope."""
    if answer.status_code >= 500:
        return f"{answer.status_code} {answer.text[:200]}"
    if answer.status_code >= 400:
        try:
            error = answer.json()["error"]
            assert error["code"] and error["message"]
        except (ValueError, KeyError, TypeError, AssertionError):
            return f"{answer.status_code} without the envelope: {answer.text[:200]}"
    return None


def test_no_operation_answers_hostile_input_with_a_server_error(own_stack):
    admin = own_stack.admin_token()
    problems: list[str] = []
    sent = 0
    for method, path, operation in operations(own_stack):
        token = own_stack.new_user()["token"] if OWN_USER.search(path) else admin
        with own_stack.client(token) as http:
            for request in hostile_requests(method, path, operation):
                sent += 1
                answer = http.request(method.upper(), **request)
                if (problem := refusal_problem(answer)) is not None:
                    shown = json.dumps({k: v for k, v in request.items() if k != "content"}, default=str)
                    problems.append(f"{method.upper()} {shown[:160]}: {problem}")
    assert sent > 2000
    assert problems == []
