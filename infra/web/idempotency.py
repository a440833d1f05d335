"""`Idempotency-Key` on commands: a repeat within 24 h replays the first answer (CONTRACT §1).

The key is claimed before the command runs, so two concurrent requests with one key cannot
both append events: the second waits for the first's answer and replays it. Server errors
release the claim so the client may retry, and so does a 429: it says nothing was done and
when to come back (`Retry-After`), and a replay of it would keep saying so, without the header,
for the rest of the 24 h. A 409 from a version conflict ("changed concurrently; retry") releases
it as well: nothing was done, and a replay would refuse for 24 h the retry it asks for. Other
4xx (a duplicate, INSUFFICIENT_STOCK) are decided answers and are replayed.

Expired keys are deleted by the process that serves keyed commands, at most once a minute, a
batch at a time. They were deleted only when their own key came again, so a client sending a
fresh key per command (what the header is for) left every answer in the table for good.

A key reused with another request (another body, query or `X-Tenant`; see fingerprint.py) is
refused with 409 CONFLICT instead of being given the first answer. Keys stored before
fingerprints were kept replay as they did.

A key is at most `MAX_KEY_CHARS` characters (Stripe's bound): a longer one is refused rather
than cut, since two keys cut to one would give the second request the first one's answer.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from infra.web.errors import CHANGED_CONCURRENTLY, ApiError, envelope
from infra.web.fingerprint import RequestFingerprint
from infra.web.middleware import ensure_request_id

log = logging.getLogger("tessera.idempotency")
COMMAND_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
RETENTION_SECONDS = 24 * 3600
MAX_KEY_CHARS = 255
KEY_HEADER = "Idempotency-Key"
TABLES = [
    """CREATE TABLE IF NOT EXISTS idempotency_keys (
        owner TEXT NOT NULL, key TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
        claim TEXT NOT NULL, status INTEGER, content_type TEXT, body TEXT, fingerprint TEXT,
        PRIMARY KEY (owner, key))""",
    "CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON idempotency_keys (created_at)",
]
# Columns that tables created by an earlier version lack (`CREATE TABLE IF NOT EXISTS` keeps them).
ADDED_COLUMNS = [("idempotency_keys", "fingerprint", "TEXT")]
REUSED_MESSAGE = f"{KEY_HEADER} was already used for a different request"
IN_PROGRESS_WAIT_SECONDS = 10.0  # how long a repeat waits for the first request's answer
PURGE_EVERY_SECONDS = 60.0
PURGE_BATCH = 1000


def idempotency_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        key = dict(scope.get("headers", [])).get(b"idempotency-key")
        user = scope.get("user")
        if (scope["type"] != "http" or scope.get("method") not in COMMAND_METHODS or not key
                or getattr(user, "id", None) is None):
            # Keys are per user (CONTRACT §1): an anonymous route (login, register) must never
            # hand one client's answer, tokens included, to another who reused the key.
            await app(scope, receive, send)
            return
        store = scope["app"].state.runtime.store
        owner = f"{user.id}:{scope['method']}:{scope['path']}"
        claim = {"owner": owner, "key": checked_key(key), "now": time.time(),
                 "claim": uuid.uuid4().hex}
        fingerprint = RequestFingerprint(scope)
        receive = fingerprint.hashing(receive)
        expired_keys.purge_if_due(store, claim["now"])
        first = await _claim_or_wait(store, claim, ensure_request_id(scope))
        if first is None:
            await _run_and_remember(app, scope, receive, send, store, claim, fingerprint)
        elif await _another_request(first, fingerprint, receive):
            raise ApiError(409, "CONFLICT", REUSED_MESSAGE, {KEY_HEADER: [REUSED_MESSAGE]})
        else:
            await _replay(send, first)

    return middleware


class ExpiredKeysPurge:
    """One process's purge of expired keys: started by a keyed command when a minute has
    passed since the last one, run off the event loop, never two at once."""

    def __init__(self) -> None:
        self.next_at = 0.0
        self.running: asyncio.Task[int] | None = None

    def purge_if_due(self, store: Any, now: float) -> None:
        if now < self.next_at or (self.running is not None and not self.running.done()):
            return
        self.next_at = now + PURGE_EVERY_SECONDS
        self.running = asyncio.get_running_loop().create_task(
            asyncio.to_thread(_purge_logged, store, now - RETENTION_SECONDS))


expired_keys = ExpiredKeysPurge()


def purge_expired(store: Any, created_before: float) -> int:
    """Delete keys created before `created_before`, `PURGE_BATCH` per transaction so no
    writer waits long on them; how many were deleted."""
    deleted = 0
    while True:
        with store.transaction() as tx:
            batch = tx.execute(
                "DELETE FROM idempotency_keys WHERE (owner, key) IN (SELECT owner, key "
                "FROM idempotency_keys WHERE created_at < :before LIMIT :batch)",
                {"before": created_before, "batch": PURGE_BATCH})
        deleted += batch
        if batch < PURGE_BATCH:
            return deleted


def _purge_logged(store: Any, created_before: float) -> int:
    try:
        return purge_expired(store, created_before)
    except Exception:  # noqa: BLE001 - the next purge (a minute on) tries again
        log.warning("expired idempotency keys not purged", exc_info=True)
        return 0


def checked_key(raw: bytes) -> str:
    key = raw.decode("latin-1")
    if len(key) > MAX_KEY_CHARS:
        message = f"{KEY_HEADER} longer than {MAX_KEY_CHARS} characters"
        raise ApiError(400, "INVALID_PAYLOAD", message, {KEY_HEADER: [message]})
    return key


def _claim(store: Any, claim: dict[str, Any]) -> dict[str, Any] | None:
    with store.transaction() as tx:
        tx.execute("DELETE FROM idempotency_keys WHERE owner = :owner AND key = :key "
                   "AND created_at < :expired", {**claim, "expired": claim["now"] - RETENTION_SECONDS})
        tx.execute("INSERT INTO idempotency_keys (owner, key, created_at, claim) "
                   "VALUES (:owner, :key, :now, :claim) ON CONFLICT (owner, key) DO NOTHING", claim)
        return tx.fetch_one("SELECT claim, status, content_type, body, fingerprint FROM idempotency_keys "
                            "WHERE owner = :owner AND key = :key", claim)


async def _claim_or_wait(store: Any, claim: dict[str, Any], request_id: str) -> dict[str, Any] | None:
    """None once this request owns the key; else the first request's stored answer."""
    deadline = time.monotonic() + IN_PROGRESS_WAIT_SECONDS
    while True:
        row = await asyncio.to_thread(_claim, store, claim)
        if row and row["claim"] == claim["claim"]:
            return None
        if row and row["status"] is not None:
            return row
        if time.monotonic() > deadline:
            return {"status": 409, "content_type": "application/json", "body": msgspec.json.encode(
                envelope("CONFLICT", "A request with this Idempotency-Key is still in progress",
                         None, request_id)).decode()}
        await asyncio.sleep(0.02)


async def _another_request(first: dict[str, Any], fingerprint: RequestFingerprint,
                           receive: Receive) -> bool:
    """The key's first request had a fingerprint, and this one's differs."""
    return first.get("fingerprint") is not None and await fingerprint.finished(receive) != first["fingerprint"]


async def _run_and_remember(app: ASGIApp, scope: Scope, receive: Receive, send: Send, store: Any,
                            claim: dict[str, Any], fingerprint: RequestFingerprint) -> None:
    captured: dict[str, Any] = {"body": b""}

    async def capture(message: Any) -> None:
        if message["type"] == "http.response.start":
            # Read before answering: once the answer is complete the server has no more to give.
            captured["fingerprint"] = await fingerprint.finished(receive)
            captured["status"] = message["status"]
            captured["content_type"] = dict(message.get("headers", [])).get(b"content-type", b"").decode()
        elif message["type"] == "http.response.body":
            captured["body"] += message.get("body", b"")
        await send(message)

    try:
        await app(scope, receive, capture)
    finally:
        await asyncio.to_thread(_remember, store, claim, captured)


def _remember(store: Any, claim: dict[str, Any], captured: dict[str, Any]) -> None:
    """Keep the answer for replays; forget the claim after an answer that asks for a retry."""
    status = captured.get("status", 500)
    with store.transaction() as tx:
        if asks_for_retry(status, captured["body"]):
            tx.execute("DELETE FROM idempotency_keys WHERE owner = :owner AND key = :key", claim)
        else:
            tx.execute("UPDATE idempotency_keys SET status = :status, content_type = :ct, body = :body, "
                       "fingerprint = :fingerprint WHERE owner = :owner AND key = :key",
                       {**claim, "status": status, "ct": captured["content_type"],
                        "body": captured["body"].decode("utf-8", "replace"),
                        "fingerprint": captured.get("fingerprint")})


def asks_for_retry(status: int, body: bytes) -> bool:
    """A server error, a 429 or a version conflict: nothing was done, and trying again may work."""
    if status >= 500 or status == 429:
        return True
    if status != 409:
        return False
    try:
        error = msgspec.json.decode(body).get("error", {})
    except (msgspec.DecodeError, AttributeError):
        return False
    return isinstance(error, dict) and error.get("message") == CHANGED_CONCURRENTLY


async def _replay(send: Send, first: dict[str, Any]) -> None:
    await send({"type": "http.response.start", "status": first["status"], "headers": [
        (b"content-type", (first["content_type"] or "application/json").encode()),
        (b"idempotent-replayed", b"true")]})
    await send({"type": "http.response.body", "body": (first["body"] or "").encode()})
