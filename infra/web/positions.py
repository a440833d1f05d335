"""`X-Projection-Position` on every query response; `X-Min-Position` waits (CONTRACT §1)."""
from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from infra.web.errors import envelope

QUERY_METHODS = {"GET", "HEAD"}
MIN_POSITION_MESSAGE = "X-Min-Position must be a non-negative integer"
HEADER = b"x-projection-position"


def projection_position_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in QUERY_METHODS:
            await app(scope, receive, send)
            return
        runtime = scope["app"].state.runtime
        wanted = dict(scope["headers"]).get(b"x-min-position")
        if wanted is not None and not wanted.strip().isdigit():
            # Ignored, it let the client believe its read-your-writes was honoured.
            await _answer_error(scope, send, runtime, 400, "INVALID_PAYLOAD", MIN_POSITION_MESSAGE,
                                {"X-Min-Position": [MIN_POSITION_MESSAGE]})
            return
        if wanted is not None and not await _reached(runtime, int(wanted)):
            await _answer_error(scope, send, runtime, 503, "UPSTREAM_ERROR",
                                "Read models have not reached the requested position yet",
                                headers=((b"retry-after", b"1"),))
            return
        position = str(await runtime.clock.current()).encode()

        async def send_with_position(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER, position)]
            await send(message)

        await app(scope, receive, send_with_position)

    return middleware


async def add_missing_position(message: Message, scope: Scope) -> None:
    """App-level `before_send`: the header on the query answers the middleware never saw, a
    router's 404 or 405 and a 401 from the bearer check, which runs before it. The clock's last
    known position is used, with no read: such an answer may be a database outage's."""
    if message["type"] != "http.response.start" or scope.get("method") not in QUERY_METHODS:
        return
    headers = message.setdefault("headers", [])
    clock = scope["app"].state.runtime.clock
    if clock is not None and not any(name.lower() == HEADER for name, _ in headers):
        headers.append((HEADER, str(clock.position).encode()))


async def _reached(runtime: object, target: int) -> bool:
    return await runtime.clock.wait_for(target, runtime.settings.min_position_wait_seconds)  # type: ignore[attr-defined]


async def _answer_error(scope: Scope, send: Send, runtime: object, status: int, code: str,
                        message: str, details: dict[str, list[str]] | None = None,
                        headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """The error envelope, with the read models' position like every query answer."""
    import msgspec

    from infra.web.middleware import ensure_request_id

    body = msgspec.json.encode(envelope(code, message, details, ensure_request_id(scope)))
    position = str(await runtime.clock.current()).encode()  # type: ignore[attr-defined]
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), *headers, (b"x-projection-position", position)]})
    await send({"type": "http.response.body", "body": body})
