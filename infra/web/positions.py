"""`X-Projection-Position` on every query response; `X-Min-Position` waits (CONTRACT §1)."""
from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from infra.web.errors import envelope

QUERY_METHODS = {"GET", "HEAD"}


def projection_position_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in QUERY_METHODS:
            await app(scope, receive, send)
            return
        runtime = scope["app"].state.runtime
        wanted = dict(scope["headers"]).get(b"x-min-position")
        if wanted is not None:
            if not await _reached(runtime, wanted):
                await _unavailable(scope, send, runtime)
                return
        position = str(await runtime.clock.current()).encode()

        async def send_with_position(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-projection-position", position)]
            await send(message)

        await app(scope, receive, send_with_position)

    return middleware


async def _reached(runtime: object, wanted: bytes) -> bool:
    try:
        target = int(wanted)
    except ValueError:
        return True
    return await runtime.clock.wait_for(target, runtime.settings.min_position_wait_seconds)  # type: ignore[attr-defined]


async def _unavailable(scope: Scope, send: Send, runtime: object) -> None:
    import msgspec

    from infra.web.middleware import ensure_request_id

    request_id = ensure_request_id(scope)
    body = msgspec.json.encode(envelope(
        "UPSTREAM_ERROR", "Read models have not reached the requested position yet", None, request_id))
    position = str(await runtime.clock.current()).encode()  # type: ignore[attr-defined]
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json"), (b"retry-after", b"1"),
        (b"x-projection-position", position)]})
    await send({"type": "http.response.body", "body": body})
