"""The life of one WebSocket (CONTRACT §6): token, channels, resume, ping/pong, errors.

Each socket route only says which channels a user may have and what its client frames do;
this module does the rest the same way for every socket.

The token is checked at connect and again while the socket is open: it closes with 4401 when
the token expires, and within `TESSERA_WS_TOKEN_RECHECK` seconds (30) of its revocation (a
password change or reset, a deactivation), as a request with it would get 401. Before, a
socket outlived both and kept pushing the user's frames.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import msgspec
from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect

from domain.errors import DomainError, ForbiddenError, NotFoundError, UnauthorizedError
from infra import metrics
from infra.web.auth import Principal, principal_for
from infra.web.errors import body_field_error, envelope, field_message, to_api_error
from infra.web.input_checks import json_refusal

INVALID_CLOSE, UNAUTHORIZED_CLOSE, FORBIDDEN_CLOSE, LAGGING_CLOSE, INTERNAL_CLOSE = 4400, 4401, 4403, 4408, 4500
TOO_MANY_CLOSE = 4429
SINCE_MESSAGE = "Query parameter 'since' must be a non-negative integer"
LAST_POSITION = 2**63 - 1
ChannelsFor = Callable[[Any, Principal], Awaitable[list[str]]]
OnFrame = Callable[[Any, Principal, dict[str, Any], WebSocket], Awaitable[None]]
Greeting = Callable[[Any, Principal], Awaitable[list[dict[str, Any]]]]
OnSent = Callable[[Any, Principal, dict[str, Any]], None]

log = logging.getLogger("tessera.push")
_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode
WIRE_KEYS = ("type", "channel", "position", "data")
WIRE_TEXT = "_wire_text"


class SocketError(Exception):
    """A client frame was refused; the socket gets an error frame and stays open."""

    def __init__(self, code: str, message: str, details: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


def invalid_frame(error: msgspec.ValidationError) -> SocketError:
    """A frame that is JSON but not what the socket takes, keyed by the offending field as an
    HTTP body's error is: it was answered "Malformed JSON frame" (msgspec's ValidationError is
    a DecodeError) with no details."""
    path, text = body_field_error(str(error), whole="frame")
    return SocketError("INVALID_PAYLOAD", field_message(path, text, whole="frame"), {path: [text]})


def resume_position(socket: WebSocket) -> int | None:
    """The position a resuming client saw last (`?since=`), None if it does not resume;
    ValueError if `since` is not a position. Such a value (`-1`, `abc`, `undefined`) was taken
    as no resume at all, so the client got live frames only and never learnt of its gap."""
    raw = socket.query_params.get("since")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is True, and int("²") raises
        raise ValueError(raw)
    # Positions are 64-bit: past that, SQLite's backlog query raised inside the socket's pump,
    # which left the socket open and silent (no live frame, no typing) for good.
    digits = raw.lstrip("0")
    return LAST_POSITION if len(digits) > 19 else min(int(digits or "0"), LAST_POSITION)


async def authenticate(socket: WebSocket) -> tuple[Principal, dict[str, Any]] | None:
    """The socket's user and token claims; or None after closing it with 4401."""
    runtime = socket.app.state.runtime
    try:
        return await principal_for(runtime, socket.query_params.get("token", ""))
    except UnauthorizedError:
        await refuse(socket, UNAUTHORIZED_CLOSE, "unauthorized")
        return None


async def refuse(socket: WebSocket, code: int, reason: str) -> None:
    """Accept only to close with `code`: a handshake refused before accepting is an HTTP 403,
    which tells the client nothing of 4401 or 4403."""
    await socket.accept()
    await socket.close(code=code, reason=reason)


async def watch_token(socket: WebSocket, runtime: Any, claims: dict[str, Any]) -> None:
    """Close the socket with 4401 once its token expires or stops being accepted."""
    token, recheck = socket.query_params.get("token", ""), runtime.settings.ws_token_recheck_seconds
    while (left := claims["exp"] - time.time()) > 0:
        await asyncio.sleep(min(left, recheck))
        if claims["exp"] - time.time() <= 0:
            break
        try:
            await principal_for(runtime, token)
        except UnauthorizedError:
            # The token may have expired during the check itself (a full test run once saw
            # "token revoked" for a token that had only expired): say which it was.
            expired = claims["exp"] - time.time() <= 0
            await socket.close(code=UNAUTHORIZED_CLOSE, reason="token expired" if expired else "token revoked")
            return
        except Exception:  # noqa: BLE001 - the database is away: keep the socket, check again later
            continue
    await socket.close(code=UNAUTHORIZED_CLOSE, reason="token expired")


async def serve(socket: WebSocket, name: str, channels_for: ChannelsFor,
                on_frame: OnFrame | None = None, greeting: Greeting | None = None,
                admit: Callable[[Principal], bool] = lambda p: True,
                on_sent: OnSent | None = None) -> None:
    """`on_sent(runtime, principal, frame)` runs after each pushed frame reached the socket.

    The handshake completes only once the socket is subscribed to its channels: accepted
    first, as it was, a frame published while it authenticated and looked up its channels (a
    typing frame just after a client connected) never reached it."""
    authenticated = await authenticate(socket)
    if authenticated is None:
        return
    principal, claims = authenticated
    runtime = socket.app.state.runtime
    if not admit(principal):
        await refuse(socket, FORBIDDEN_CLOSE, "forbidden")
        return
    with held_by(socket, principal) as admitted:
        if not admitted:
            await refuse_one_too_many(socket)
            return
        await _serve_admitted(socket, name, runtime, principal, claims, channels_for, on_frame,
                              greeting, on_sent)


@contextmanager
def held_by(socket: WebSocket, principal: Principal) -> Iterator[bool]:
    """Whether the user may open one more socket on this process; counted while it is open.
    One user's sockets were unbounded: each holds a file descriptor and about 38 kB, so one
    account could take the push service's descriptors from every other user."""
    open_sockets: Counter[Any] = socket.app.state.setdefault("sockets_per_user", Counter())
    if open_sockets[principal.id] >= socket.app.state.runtime.settings.ws_max_sockets_per_user:
        yield False
        return
    open_sockets[principal.id] += 1
    try:
        yield True
    finally:
        open_sockets[principal.id] -= 1
        if not open_sockets[principal.id]:
            del open_sockets[principal.id]


async def refuse_one_too_many(socket: WebSocket) -> None:
    message = "Too many open sockets for this user; close one first"
    await socket.accept()
    await send_error(socket, "RATE_LIMITED", message)
    await socket.close(code=TOO_MANY_CLOSE, reason="too many sockets")


async def _serve_admitted(socket: WebSocket, name: str, runtime: Any, principal: Principal,
                          claims: dict[str, Any], channels_for: ChannelsFor, on_frame: OnFrame | None,
                          greeting: Greeting | None, on_sent: OnSent | None) -> None:
    try:
        channels = await channels_for(runtime, principal)
    except (ForbiddenError, NotFoundError):
        await refuse(socket, FORBIDDEN_CLOSE, "forbidden")
        return
    try:
        since = resume_position(socket)
    except ValueError:
        await socket.accept()
        await send_error(socket, "INVALID_PAYLOAD", SINCE_MESSAGE, {"since": [SINCE_MESSAGE]})
        await socket.close(code=INVALID_CLOSE, reason="invalid since")
        return
    subscription = runtime.hub.subscribe(channels, owner=str(principal.id))
    metrics.WS_CONNECTIONS.labels(name).inc()
    watcher: asyncio.Task[None] | None = None
    try:
        await socket.accept()
        watcher = asyncio.create_task(watch_token(socket, runtime, claims))
        await _run(socket, runtime, principal, subscription, since, on_frame, greeting, on_sent)
    finally:
        if watcher is not None:
            watcher.cancel()
        subscription.close()
        metrics.WS_CONNECTIONS.labels(name).dec()


async def _run(socket: WebSocket, runtime: Any, principal: Principal, subscription: Any, since: int | None,
               on_frame: OnFrame | None, greeting: Greeting | None, on_sent: OnSent | None = None) -> None:
    if greeting is not None:
        greeted = await _greet(socket, runtime, principal, greeting, resuming=since is not None)
        if greeted is not None:
            subscription.skip_through(greeted)
    sent = (lambda frame: on_sent(runtime, principal, frame)) if on_sent else None
    pump = asyncio.create_task(pump_frames(socket, subscription, since, sent))
    try:
        await _receive(socket, runtime, principal, on_frame)
    finally:
        pump.cancel()


async def _greet(socket: WebSocket, runtime: Any, principal: Principal, greeting: Greeting,
                 resuming: bool) -> int | None:
    """The greeting frames' last position, once sent; None if none were. A resuming client
    gets none: it already holds what they say up to its `since`, and the backlog brings every
    frame after it. Sent first, the greeting (a snapshot at the head) came before older backlog
    frames and again among them."""
    frames = await greeting(runtime, principal)
    if resuming or not frames:
        return None
    for frame in frames:
        await socket.send_json(frame)
    return max(frame["position"] for frame in frames)


async def pump_frames(socket: WebSocket, subscription: Any, since: int | None,
                sent: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Frames to the socket until it lags (4408). If they fail (the backlog read while the
    database is away), the socket closes with 4500 so its client resumes with `?since=`:
    the task used to end alone, and the socket stayed open with nothing ever sent on it."""
    try:
        async for frame in subscription.frames(since):
            await socket.send_text(wire_text(frame))
            if sent is not None:
                sent(frame)
    except Exception:  # noqa: BLE001 - any failure: the client must not wait on a dead socket
        log.exception("frames to a socket failed; closing it so its client resumes")
        await socket.close(code=INTERNAL_CLOSE, reason="server error; reconnect with ?since=")
        return
    await socket.close(code=LAGGING_CLOSE, reason="client too slow; reconnect with ?since=")


def wire_text(frame: dict[str, Any]) -> str:
    """The frame as clients get it, encoded once for all its subscribers: the hub hands the
    same dict to every socket on the channel (20 in a chat group), and encoding it per socket
    was a twentieth of the push service's CPU."""
    text = frame.get(WIRE_TEXT)
    if text is None:
        text = frame[WIRE_TEXT] = _encode({k: frame[k] for k in WIRE_KEYS}).decode()
    return text


async def _receive(socket: WebSocket, runtime: Any, principal: Principal, on_frame: OnFrame | None) -> None:
    while (raw := await _next_frame(socket)) is not None:
        await _handle(socket, runtime, principal, raw, on_frame)


async def _next_frame(socket: WebSocket) -> str | bytes | None:
    """A frame's data, text or binary alike (JSON in a binary frame is read as its text: it
    was read as an empty text, "Malformed JSON frame"); None once the client has gone."""
    try:
        event = await socket.receive()
    except WebSocketDisconnect:
        return None
    if event["type"] == "websocket.disconnect":
        return None
    text = event.get("text")
    return text if text is not None else event.get("bytes") or b""


async def _handle(socket: WebSocket, runtime: Any, principal: Principal, raw: str | bytes,
                  on_frame: OnFrame | None) -> None:
    try:
        if why := json_refusal(raw.encode() if isinstance(raw, str) else raw):
            raise SocketError("INVALID_PAYLOAD", why)  # as at the HTTP edge
        frame = _decode(raw)
        if not isinstance(frame, dict):
            raise SocketError("INVALID_PAYLOAD", "A frame must be a JSON object")
        if frame.get("type") == "ping":
            await socket.send_json({"type": "pong"})
            return
        if on_frame is None:
            raise SocketError("INVALID_PAYLOAD", "This socket accepts only ping frames")
        await on_frame(runtime, principal, frame, socket)
    except msgspec.ValidationError as error:
        refused = invalid_frame(error)
        await send_error(socket, refused.code, refused.message, refused.details)
    except msgspec.DecodeError:
        await send_error(socket, "INVALID_PAYLOAD", "Malformed JSON frame")
    except SocketError as error:
        await send_error(socket, error.code, error.message, error.details)
    except DomainError as error:
        api = to_api_error(error)
        await send_error(socket, api.code, api.message, api.details)


async def send_error(socket: WebSocket, code: str, message: str,
                     details: dict[str, list[str]] | None = None) -> None:
    body = envelope(code, message, details, socket.scope.get("state", {}).get("request_id"))
    await socket.send_json({"type": "error", **body})
