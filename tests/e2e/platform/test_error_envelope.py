"""Every 4xx/5xx carries the error envelope of CONTRACT §1, router errors included."""
from __future__ import annotations

import json
import re
import uuid

import pytest

FIELDS = {"code", "message", "details", "request_id", "timestamp"}
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def assert_envelope(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    error = answer.json()["error"]
    assert set(error) == FIELDS
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == answer.headers["x-request-id"]
    assert RFC3339_UTC.fullmatch(error["timestamp"])
    return error


@pytest.mark.parametrize("path", ["/api/v1/no-such-resource/", "/nothing/here",
                                  "/api/v1/users/me/extra"])
def test_unknown_paths_are_404(stack, path):
    with stack.client() as http:
        assert_envelope(http.get(path), 404, "NOT_FOUND")


@pytest.mark.parametrize("path", ["/api/v2/", "/api/v2", "/api/v2/users/me/",
                                  "/api/v2/auth/login/"])
def test_api_v2_exists_and_is_empty(stack, path):
    with stack.client() as http:
        assert_envelope(http.get(path), 404, "NOT_FOUND")
        assert_envelope(http.post(path, json={}), 404, "NOT_FOUND")


def test_wrong_method_is_405_with_allow(stack):
    with stack.client() as http:
        answer = http.delete("/api/v1/auth/login/")
    assert_envelope(answer, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in answer.headers["allow"]


def test_malformed_json_is_invalid_payload(stack):
    with stack.client() as http:
        answer = http.post("/api/v1/auth/login/", content=b'{"email": "a@b.c", ',
                           headers={"Content-Type": "application/json"})
    assert_envelope(answer, 400, "INVALID_PAYLOAD")


def test_failed_validation_names_the_field(stack):
    with stack.client() as http:
        answer = http.post("/api/v1/auth/register/", json={
            "email": "someone@tessera.test", "password": "x", "first_name": "A", "last_name": "B"})
    error = assert_envelope(answer, 400, "INVALID_PAYLOAD")
    assert "password" in error["details"]
    assert "password" in error["message"]


@pytest.mark.parametrize("method, path, body, field, text", [
    ("POST", "/api/v1/auth/register/", {"email": "someone@tessera.test"}, "password", "is required"),
    ("PATCH", "/api/v1/users/me/", {"email": "new@tessera.test"}, "email", "is not a known field"),
    ("POST", "/api/v1/orders/", {"items": [{"quantity": 1}]}, "items[0].product_id", "is required"),
    ("POST", "/api/v1/auth/login/", {"email": "someone@tessera.test", "password": "x", "username": "someone"},
     "username", "is not a known field"),
])
def test_missing_and_unknown_fields_are_keyed_by_their_path_not_data(stack, method, path, body, field, text):
    """They were all under "data": `{"data": ["Object missing required field `password`"]}`."""
    with stack.client(stack.new_user()["token"]) as http:
        error = assert_envelope(http.request(method, path, json=body), 400, "INVALID_PAYLOAD")
    assert error["details"] == {field: [text]}
    assert error["message"] == f"Field '{field}' {text}"


@pytest.mark.parametrize("content", [b"", b"  "])
def test_an_empty_body_is_reported_as_required(stack, content):
    """It was "Field 'data' 'data'"."""
    with stack.client(stack.admin_token()) as http:
        for path in ("/api/v1/auth/login/", "/api/v1/products/"):
            answer = http.post(path, content=content, headers={"Content-Type": "application/json"})
            error = assert_envelope(answer, 400, "INVALID_PAYLOAD")
            assert error["message"] == "Request body is required"
            assert error["details"] == {"body": ["Request body is required"]}


def test_wrong_types_are_invalid_payload(stack):
    with stack.client() as http:
        answer = http.post("/api/v1/auth/login/", json={"email": 42, "password": ["x"]})
    error = assert_envelope(answer, 400, "INVALID_PAYLOAD")
    assert error["details"]


COURSE = {"title": "Typed", "start_date": "2030-01-01"}


@pytest.mark.parametrize("method, path, body, field, text", [
    ("POST", "/api/v1/products/", {"name": "Typed", "price": "19.90", "stock": "5"}, "stock", "`str`"),
    ("POST", "/api/v1/products/", {"name": "Typed", "price": "19.90", "stock": 1e2}, "stock", "`float`"),
    ("POST", "/api/v1/orders/", {"product_id": str(uuid.uuid4()), "quantity": "2"}, "quantity", "`str`"),
    ("POST", "/api/v1/orders/", {"items": [{"product_id": str(uuid.uuid4()), "quantity": 2.0}]},
     "items[0].quantity", "`float`"),
    ("PUT", "/api/v1/quotas/limits/export/", {"daily_limit": "4"}, "daily_limit", "`str`"),
    ("POST", "/api/v1/courses/", {**COURSE, "is_free": "true", "price": "0"}, "is_free", "`str`"),
    ("POST", "/api/v1/courses/", {**COURSE, "is_free": 0, "price": "3"}, "is_free", "`int`"),
    ("POST", "/api/v1/quotas/typed/consume/", {"amount": "2"}, "amount", "`str`"),
])
def test_wrong_json_types_are_refused_not_coerced(stack, method, path, body, field, text):
    """Litestar converted bodies leniently: "5" and 1e2 became 5 and 100, "true" and 0 booleans."""
    with stack.client(stack.admin_token()) as http:
        error = assert_envelope(http.request(method, path, json=body), 400, "INVALID_PAYLOAD")
        assert list(error["details"]) == [field]
        assert error["details"][field][0].endswith(f"got {text}")


@pytest.mark.parametrize("price", ["19.90", 19.9])
def test_money_is_a_decimal_string_or_a_json_number(stack, price):
    with stack.client(stack.admin_token()) as http:
        answer = http.post("/api/v1/products/", json={"name": "Money", "price": price, "stock": 1})
    assert answer.status_code == 201, answer.text
    assert answer.json()["price"] == "19.90"


def test_a_body_left_out_where_it_is_optional_takes_its_default(stack):
    with stack.client(stack.new_user()["token"]) as http:
        answer = http.post("/api/v1/quotas/optional-body/consume/")
    assert answer.status_code == 200, answer.text
    assert answer.json()["used"] == 1


def test_missing_and_bad_tokens_are_401(stack):
    with stack.client() as http:
        assert_envelope(http.get("/api/v1/users/me/"), 401, "UNAUTHORIZED")
    with stack.client("not-a-jwt") as http:
        assert_envelope(http.get("/api/v1/users/me/"), 401, "UNAUTHORIZED")


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data; boundary=x", "text/plain"])
def test_a_null_character_in_a_json_body_is_refused_and_nothing_is_stored(stack, content_type):
    """Whatever the Content-Type says: the handler decodes the body as JSON all the same."""
    email = f"nul-{uuid.uuid4().hex[:8]}@tessera.test"
    body = {"email": email, "password": "password-123", "first_name": "A\x00na", "last_name": "Lima"}
    with stack.client() as http:
        answer = http.post("/api/v1/auth/register/", content=json.dumps(body), headers={"Content-Type": content_type})
        error = assert_envelope(answer, 400, "INVALID_PAYLOAD")
        assert error["message"] == "Null characters are not allowed."
        assert error["details"] == {"body": ["Null characters are not allowed."]}
        assert http.post("/api/v1/auth/register/", json={**body, "first_name": "Ana"}).status_code == 201


def test_an_escaped_backslash_before_u0000_is_ordinary_text(stack):
    name = "back\\u0000slash"
    user = stack.new_user(first_name=name)
    with stack.client(user["token"]) as http:
        assert http.get("/api/v1/users/me/").json()["user"]["first_name"] == name


@pytest.mark.parametrize("path, where", [("/api/v1/whatsapp/messages/a%00b/", "path"),
                                         ("/api/v1/products/?search=a%00b", "query"),
                                         ("/api/v1/users/me/?next=%00", "query")])
def test_a_null_character_in_the_path_or_query_is_refused(stack, path, where):
    with stack.client(stack.admin_token()) as http:
        error = assert_envelope(http.get(path), 400, "INVALID_PAYLOAD")
    assert error["details"] == {where: ["Null characters are not allowed."]}


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"email": ' * 5_000 + b"1" + b"}" * 5_000])
def test_json_nested_too_deep_is_invalid_payload_not_a_server_error(stack, body):
    with stack.client() as http:
        answer = http.post("/api/v1/auth/login/", content=body, headers={"Content-Type": "application/json"})
    error = assert_envelope(answer, 400, "INVALID_PAYLOAD")
    assert error["message"] == "JSON nested deeper than 64 levels."


def test_a_json_body_over_a_mebibyte_is_payload_too_large(stack):
    body = json.dumps({"email": "a@b.test", "password": "x" * (1 << 20)})
    with stack.client() as http:
        answer = http.post("/api/v1/auth/login/", content=body, headers={"Content-Type": "application/json"})
    error = assert_envelope(answer, 413, "PAYLOAD_TOO_LARGE")
    assert error["details"] == {"body": ["Body larger than 1048576 bytes"]}
