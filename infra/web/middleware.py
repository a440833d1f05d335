"""X-Request-ID on every response (matched or not), request ids in logs, HTTP metrics."""
from __future__ import annotations

import logging
import time
import uuid
from contextvars import ContextVar
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from infra import metrics, tracing
from infra.web.errors import to_api_error

request_id_var: ContextVar[str | None] = ContextVar("tessera_request_id", default=None)


def ensure_request_id(scope: Any) -> str:
    """The request's id: echoed from `X-Request-ID` if sent, else generated once."""
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        state["request_id"] = incoming.strip()[:128] or uuid.uuid4().hex
    return state["request_id"]


async def add_request_id_header(message: Message, scope: Scope) -> None:
    """App-level `before_send`: runs for every response, 404s from the router included."""
    if message["type"] == "http.response.start":
        headers = message.setdefault("headers", [])
        if not any(name.lower() == b"x-request-id" for name, _ in headers):
            headers.append((b"x-request-id", ensure_request_id(scope).encode("latin-1")))


class RequestIdFilter(logging.Filter):
    """Puts the current request and trace ids on every log record (%(request_id)s %(trace_id)s)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        record.trace_id = tracing.current_trace_id()
        return True


def request_context_middleware(app: ASGIApp) -> ASGIApp:
    """Binds the request id to logs and records route metrics for matched routes."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        token = request_id_var.set(ensure_request_id(scope))
        started = time.perf_counter()
        status_seen: dict[str, int] = {}

        async def observe(message: Any) -> None:
            if message["type"] == "http.response.start":
                status_seen["status"] = message["status"]
            await send(message)

        try:
            with tracing.request_span(scope, request_id_var.get()) as span:
                try:
                    await app(scope, receive, observe if scope["type"] == "http" else send)
                except Exception as error:
                    # Raised by a middleware (401 from the bearer check, 400 and 413 from the
                    # input checks) and answered by the exception handler outside this one:
                    # counted as 500s, every unauthenticated request looked like a server error.
                    status_seen.setdefault("status", to_api_error(error).status)
                    raise
                finally:
                    tracing.end_request(span, scope, status_seen.get("status", 500))
        finally:
            request_id_var.reset(token)
            if scope["type"] == "http":
                metrics.observe_request(scope.get("method", ""), scope.get("path_template") or "?",
                                        status_seen.get("status", 500), time.perf_counter() - started)

    return middleware


def without_body(send: Send) -> Send:
    """`send` for a HEAD request: the GET's status and headers (its Content-Length included),
    no body."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return sending
