"""Every route and socket checks who is asking (CONTRACT §1-§8), through the whole API.

- Without a valid access token, every operation of `/api/schema/` but the public ones answers
  401 UNAUTHORIZED with its `WWW-Authenticate` challenge and every socket closes with 4401: no token, other schemes, forged, expired,
  refresh and mail tokens, tokens of deactivated or unknown users, and tokens signed with the
  right key whose claims have the wrong types.
- Staff and admin operations answer 403 FORBIDDEN to the access levels below them, given
  bodies they would otherwise accept.
- One user's objects are not found (404) by another through every route that names them, are
  left out of the other's lists, and are left as they were.
"""
from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import jwt
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from infra.config import DEV_SECRET_KEY
from tests.e2e.jobs.flows import jpeg_bytes
from tests.fixtures.api_schema import ANY_ID, api_schema, filled
from tests.fixtures.stack import ADMIN_EMAIL, ADMIN_PASSWORD, Stack

NOBODY = ANY_ID
SOCKETS = ["/ws/echo/", "/ws/notifications/", "/ws/presence/", "/ws/dashboard/",
           f"/ws/chat/{NOBODY}/", "/ws/whatsapp/"]
Claims = dict[str, Any]


class Signer:
    """Tokens for the stack's admin, signed as the stack signs them or not."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.key = stack.env.get("TESSERA_SECRET_KEY", DEV_SECRET_KEY)
        self.login = stack.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        self.claims: Claims = jwt.decode(self.login["token"], options={"verify_signature": False})

    def signed(self, key: str | None = None, algorithm: str = "HS256", **changed: Any) -> str:
        claims = {k: v for k, v in {**self.claims, **changed}.items() if v is not None}
        return jwt.encode(claims, key or self.key, algorithm=algorithm)

    def unsigned(self) -> str:
        def part(value: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
        return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(self.claims)}."


def deactivated_users_token(stack: Stack) -> str:
    user = stack.new_user()
    with stack.client(user["token"]) as http:
        assert http.delete("/api/v1/users/me/").status_code == 204
    return str(user["token"])


def mail_token(stack: Stack) -> str:
    """The confirm-email token dev mode returns at registration."""
    with stack.client() as http:
        answer = http.post("/api/v1/auth/register/", json={
            "email": f"mail-{uuid.uuid4().hex[:12]}@tessera.test", "password": "password-123",
            "first_name": "Mail", "last_name": "Token"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


# name → (stack, signer) → the Authorization header's value, or None for no header at all.
CREDENTIALS: dict[str, Callable[[Stack, Signer], str | None]] = {
    "no header": lambda stack, s: None,
    "bearer without token": lambda stack, s: "Bearer",
    "basic scheme": lambda stack, s: "Basic " + base64.b64encode(f"{ADMIN_EMAIL}:{ADMIN_PASSWORD}".encode()).decode(),
    "app key scheme": lambda stack, s: "Token dev-app-key",
    "not a jwt": lambda stack, s: "Bearer not-a-token",
    "unsigned (alg none)": lambda stack, s: f"Bearer {s.unsigned()}",
    "signed with another key": lambda stack, s: f"Bearer {s.signed(key='another-key-' + 'x' * 40)}",
    "signed with HS512": lambda stack, s: f"Bearer {s.signed(algorithm='HS512', key=s.key * 2)}",
    "tampered payload": lambda stack, s: "Bearer " + tampered(s.login["token"]),
    "expired": lambda stack, s: f"Bearer {s.signed(exp=int(time.time()) - 5)}",
    "not yet valid": lambda stack, s: f"Bearer {s.signed(nbf=int(time.time()) + 3600)}",
    "refresh token": lambda stack, s: f"Bearer {s.login['refresh']}",
    "mail token": lambda stack, s: f"Bearer {mail_token(stack)}",
    "deactivated user": lambda stack, s: f"Bearer {deactivated_users_token(stack)}",
    "unknown user": lambda stack, s: f"Bearer {s.signed(sub=str(uuid.uuid4()))}",
    "old token version": lambda stack, s: f"Bearer {s.signed(tv=s.claims['tv'] + 1)}",
    "subject not a uuid": lambda stack, s: f"Bearer {s.signed(sub='admin')}",
    "expiry as text": lambda stack, s: f"Bearer {s.signed(exp=str(int(time.time()) + 3600))}",
    "version as text": lambda stack, s: f"Bearer {s.signed(tv=str(s.claims['tv']))}",
    "no type": lambda stack, s: f"Bearer {s.signed(typ=None)}",
}


def tampered(token: str) -> str:
    """The admin's own token with its payload swapped for another user's id, signature kept."""
    header, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    payload = base64.urlsafe_b64encode(json.dumps({**claims, "sub": str(uuid.uuid4())}).encode())
    return f"{header}.{payload.rstrip(b'=').decode()}.{signature}"


def protected_operations(stack: Stack) -> list[tuple[str, str]]:
    return [(method.upper(), filled(path)) for path, item in api_schema(stack)["paths"].items()
            for method, operation in item.items() if operation.get("security") != []]


def assert_envelope(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, (answer.request.method, answer.request.url, answer.text)
    assert answer.json()["error"]["code"] == code, answer.text


@pytest.mark.parametrize("credential", list(CREDENTIALS))
def test_no_protected_operation_answers_without_a_valid_access_token(stack, credential):
    operations = protected_operations(stack)
    assert len(operations) > 60
    header = CREDENTIALS[credential](stack, Signer(stack))
    with stack.client() as http:
        for method, path in operations:
            answer = http.request(method, path, headers={"Authorization": header} if header else {},
                                  json={} if method != "GET" else None)
            assert_envelope(answer, 401, "UNAUTHORIZED")
            assert answer.headers["www-authenticate"] == 'Bearer realm="api"'  # RFC 9110 §11.6.1


@pytest.mark.parametrize("credential", list(CREDENTIALS))
def test_no_socket_opens_without_a_valid_access_token(stack, credential):
    header = CREDENTIALS[credential](stack, Signer(stack))
    token = header.partition(" ")[2] if header else ""
    for path in SOCKETS:
        url = f"{stack.ws_url}{path}" + (f"?token={quote(token)}" if header else "")
        with connect(url, open_timeout=10) as socket:
            with pytest.raises(ConnectionClosed) as closed:
                socket.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401, (path, closed.value)


@pytest.fixture(scope="module")
def people(stack) -> dict[str, dict[str, Any]]:
    """An admin, a support user and two plain users, Ann and Bob (each a login body)."""
    admin = stack.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    support = stack.new_user()
    with stack.client(admin["token"]) as http:
        answer = http.patch(f"/api/v1/users/{support['user']['id']}/access_level/",
                            json={"access_level": "support"})
        assert answer.status_code == 200, answer.text
    support = stack.login(support["user"]["email"], "password-123")
    return {"admin": admin, "support": support, "ann": stack.new_user(), "bob": stack.new_user()}


def admin_operations(stack: Stack, people: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """Admin only (CONTRACT §2, §4, §5.3, §8), each with a body an admin gets a 2xx for."""
    with stack.client(people["admin"]["token"]) as http:
        product = http.post("/api/v1/products/", json={"name": "Guarded", "price": "1.00", "stock": 3})
        assert product.status_code == 201, product.text
    return [
        ("POST", "/api/v1/products/", {"name": "Not mine", "price": "1.00", "stock": 1}),
        ("PATCH", f"/api/v1/products/{product.json()['id']}/stock/", {"delta": 5}),
        ("PUT", f"/api/v1/quotas/limits/guarded-{uuid.uuid4().hex[:8]}/", {"daily_limit": 1}),
        ("POST", "/api/v1/notifications/", {"title": "T", "message": "M", "obj_code": "platform",
                                            "obj_id": None}),
        ("POST", "/api/v1/mail/broadcast/", {"subject": "S", "body": "B"}),
        ("PATCH", f"/api/v1/users/{people['ann']['user']['id']}/access_level/", {"access_level": "admin"}),
        ("GET", "/api/v1/event-sync/", None),
        ("GET", "/api/v1/event-sync/objects/", None),
    ]


def staff_operations(stack: Stack, people: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """Admin or support (CONTRACT §5, §7, §8), each with a body staff get a 2xx for."""
    with stack.client(people["admin"]["token"]) as http:
        author = http.post("/api/v1/authors/", json={"name": "Guarded author"}).json()
        book = http.post("/api/v1/books/", json={"title": "Guarded", "author_id": author["id"],
                                                 "tag_ids": []})
        assert book.status_code == 201, book.text
    book_path = f"/api/v1/books/{book.json()['id']}/"
    return [
        ("PATCH", book_path, {"title": "Changed"}),
        ("DELETE", book_path, None),
        ("POST", "/api/v1/courses/", {"title": "C", "description": "D", "price": "1.00", "is_free": False,
                                      "start_date": "2027-01-01", "tag_ids": []}),
        ("GET", "/api/v1/dashboard/", None),
        ("GET", "/api/v1/audit/", None),
        ("GET", f"/api/v1/audit/book/{book.json()['id']}/history/", None),
        ("GET", f"/api/v1/audit/book/{book.json()['id']}/state/?version=1", None),
        ("POST", "/api/v1/reports/", {}),
        ("POST", "/api/v1/whatsapp/session/start/", None),
        ("GET", "/api/v1/whatsapp/session/status/", None),
        ("POST", "/api/v1/whatsapp/messages/", {"to": "+15550100", "type": "text", "text": "Hi"}),
        ("DELETE", "/api/v1/whatsapp/session/", None),
    ]


@pytest.mark.parametrize("level", ["user", "support"])
def test_admin_operations_are_forbidden_below_admin(stack, people, level):
    who = people["ann"] if level == "user" else people["support"]
    with stack.client(who["token"]) as http:
        for method, path, body in admin_operations(stack, people):
            assert_envelope(http.request(method, path, json=body), 403, "FORBIDDEN")


def test_staff_operations_are_forbidden_to_plain_users(stack, people):
    with stack.client(people["ann"]["token"]) as http:
        for method, path, body in staff_operations(stack, people):
            assert_envelope(http.request(method, path, json=body), 403, "FORBIDDEN")


def test_staff_operations_are_open_to_support(stack, people):
    """The other side of the 403s above: the same requests are not refused for support."""
    with stack.client(people["support"]["token"]) as http:
        for method, path, body in staff_operations(stack, people):
            answer = http.request(method, path, json=body)
            assert answer.status_code < 300, (method, path, answer.text)


class AnnsObjects:
    """What Ann owns or takes part in: an order, an image, a notification to her alone, a
    private conversation with Cat holding a message and an attachment; and a report an admin
    asked for."""

    def __init__(self, stack: Stack, people: dict[str, Any]) -> None:
        ann, admin = people["ann"], people["admin"]
        self.cat = stack.new_user()
        with stack.client(admin["token"]) as http:
            product = created(http.post("/api/v1/products/", json={"name": "Ann's", "price": "2.00", "stock": 5}))
            self.notification = created(http.post("/api/v1/notifications/", json={
                "title": "For Ann", "message": "Only", "obj_code": "user", "obj_id": ann["user"]["id"]}))
            self.report = created(http.post("/api/v1/reports/", json={}))
        with stack.client(ann["token"]) as http:
            self.order = created(http.post("/api/v1/orders/", json={"product_id": product["id"], "quantity": 1}))
            self.image = created(http.post("/api/v1/images/", files={"file": ("a.jpg", jpeg_bytes(), "image/jpeg")}))
            self.conversation = created(http.post("/api/v1/chat/conversations/",
                                                  json={"user_ids": [self.cat["user"]["id"]]}))
            chat = f"/api/v1/chat/conversations/{self.conversation['id']}"
            self.message = created(http.post(f"{chat}/messages/", json={"type_message": "text",
                                                                         "content": {"text": "Just us"}}))
            created(http.post(f"{chat}/attachments/", files={"file": ("a.jpg", jpeg_bytes(), "image/jpeg")}))

    def named_by_routes(self) -> list[tuple[str, str, Any]]:
        chat = f"/api/v1/chat/conversations/{self.conversation['id']}"
        notification = f"/api/v1/notifications/{self.notification['id']}"
        text = {"type_message": "text", "content": {"text": "Let me in"}}
        return [
            ("GET", f"/api/v1/orders/{self.order['id']}/", None),
            ("GET", f"/api/v1/images/{self.image['id']}/", None),
            ("PATCH", f"{notification}/mark-as-read/", None),
            ("DELETE", f"{notification}/", None),
            ("GET", f"{chat}/", None),
            ("GET", f"{chat}/messages/", None),
            ("POST", f"{chat}/messages/", text),
            ("POST", f"/api/v1/chat/messages/{self.message['id']}/read/", None),
            ("POST", "/api/message/messages/send/", {"room_id": self.conversation["id"], **text}),
            ("GET", f"/api/v1/reports/{self.report['id']}/", None),
            ("GET", f"/api/v1/reports/{self.report['id']}/download/", None),
        ]

    def listed_by_routes(self, ann: dict[str, Any]) -> list[tuple[str, str]]:
        return [("/api/v1/orders/", self.order["id"]), ("/api/v1/images/", self.image["id"]),
                ("/api/v1/notifications/", self.notification["id"]),
                ("/api/v1/chat/conversations/", self.conversation["id"]),
                (f"/api/v1/users/?search={quote(ann['user']['email'])}", ann["user"]["id"])]


def created(answer: Any) -> dict[str, Any]:
    assert answer.status_code in (200, 201, 202), answer.text
    return dict(answer.json())


def log_head(stack: Stack) -> int:
    with stack.client() as http:
        return int(http.get("/health/ready/").json()["head"])


def test_one_users_objects_are_not_found_by_another_and_stay_as_they_were(stack, people):
    ann, bob = people["ann"], people["bob"]
    objects = AnnsObjects(stack, people)
    head = log_head(stack)
    with stack.client(bob["token"]) as http:
        for method, path, body in objects.named_by_routes():
            assert_envelope(http.request(method, path, json=body), 404, "NOT_FOUND")
        attachment = http.post(f"/api/v1/chat/conversations/{objects.conversation['id']}/attachments/",
                               files={"file": ("b.jpg", jpeg_bytes(), "image/jpeg")})
        assert_envelope(attachment, 404, "NOT_FOUND")
        assert_envelope(http.get(f"/api/v1/users/{ann['user']['id']}/"), 404, "NOT_FOUND")
        for path, ann_id in objects.listed_by_routes(ann):
            answer = http.get(path, headers={"X-Min-Position": str(head)})
            assert answer.status_code == 200 and ann_id not in answer.text, (path, answer.text)
    with connect(f"{stack.ws_url}/ws/chat/{objects.conversation['id']}/?token={bob['token']}") as socket:
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    caught_up = {"X-Min-Position": str(log_head(stack))}
    with stack.client(ann["token"]) as http:
        feed = http.get("/api/v1/notifications/", headers=caught_up).json()["results"]
        history = http.get(f"/api/v1/chat/conversations/{objects.conversation['id']}/messages/",
                           headers=caught_up).json()
    assert [n["read"] for n in feed if n["id"] == objects.notification["id"]] == [False]
    assert [(m["content"], m["status"]) for m in history["results"]][:1] == [({"text": "Just us"}, "sent")]
