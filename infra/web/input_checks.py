"""Input refused at the edge before anything decodes it: 400 INVALID_PAYLOAD.

- Text holding U+0000, in a path, a query string or a JSON body: "Null characters are not
  allowed.", the words Django and DRF answer with. PostgreSQL text cannot hold U+0000: a
  command carrying one would store its event (events are bytes) and then no read model could
  take it; a query carrying one would fail in the database.
- JSON nested deeper than `MAX_NESTING` levels. No payload of the contract nests more than a
  few; the decoder itself gives up only where Python's recursion limit does, with an error
  that is not a decoding error (it was a 500, and on a socket a close with 4500).
- A body over `JSON_MAX_BYTES` (1 MiB): 413 PAYLOAD_TOO_LARGE as soon as the bytes read pass
  it. The largest text field of the contract (a mail body, 100,000 characters) fits with room
  to spare. The app-wide bound is the upload size (10 MiB by default): a JSON body that large
  (5 million empty arrays) cost the decoder 0.9 s of CPU and these checks 0.6 s; at 1 MiB the
  checks take 45 ms.

All three are checked before any handler, the idempotency claim included, sees the request.
Every body is checked whatever its Content-Type (the handlers decode JSON whatever it says),
except on the routes that take an upload (`UPLOAD_ROUTE`): their bytes are files, and the one
text they carry, the file name, is cleaned or refused where each route reads it (infra/s3.py
`safe_name`, command_api/jobs/uploads.py). WebSocket frames and SQS messages get the first
two (`json_refusal`); their size is bounded already, 1 MiB a frame and 256 KB a message.
"""
from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from infra.web.errors import ApiError
from infra.web.uploads import UPLOAD_OPT

NUL_MESSAGE = "Null characters are not allowed."
JSON_MAX_BYTES = 1 << 20
MAX_NESTING = 64
NESTING_MESSAGE = f"JSON nested deeper than {MAX_NESTING} levels."
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# `\u0000` in JSON text, unless its backslash is itself escaped (`\\u0000` is six characters).
_JSON_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# A string, or an unfinished one up to the end: every quote starts a match that always
# succeeds, so the scan stays linear (failed matches retried from each later quote of an
# unfinished string took 5 s for a 40 kB body).
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?$)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = frozenset(b"[{")


def refused(where: str, message: str) -> ApiError:
    return ApiError(400, "INVALID_PAYLOAD", message, {where: [message]})


def json_has_nul(body: bytes) -> bool:
    """True if the JSON text decodes to a string holding U+0000. A raw 0x00 byte is not
    looked for: JSON forbids it, so the body's decoding refuses it anyway."""
    return b"\\u0000" in body and _JSON_NUL_ESCAPE.search(body) is not None


def json_too_deep(body: bytes) -> bool:
    """True if the JSON text nests arrays and objects deeper than MAX_NESTING. Brackets
    inside strings do not count; the scan stops at the first level too deep."""
    if body.count(b"[") + body.count(b"{") <= MAX_NESTING:
        return False
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depths = accumulate(1 if b in _OPENING else -1 for b in brackets)
    return any(depth > MAX_NESTING for depth in depths)


def json_refusal(body: bytes) -> str | None:
    """Why the JSON text is refused before decoding, or None."""
    if json_has_nul(body):
        return NUL_MESSAGE
    if json_too_deep(body):
        return NESTING_MESSAGE
    return None


def input_check_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if "\x00" in scope["path"]:
            raise refused("path", NUL_MESSAGE)
        if b"%00" in scope.get("query_string", b""):
            raise refused("query", NUL_MESSAGE)
        if scope.get("method") in BODY_METHODS and not _takes_upload(scope):
            receive = _checking_json(receive)
        await app(scope, receive, send)

    return middleware


def _takes_upload(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    return handler is not None and handler.opt.get(UPLOAD_OPT) is True


def _checking_json(receive: Receive) -> Receive:
    """`receive` that refuses a body over JSON_MAX_BYTES and, at its last chunk, a JSON body
    `json_refusal` refuses. The body is decoded only once complete, so no handler has acted
    on it yet."""
    chunks: list[bytes] = []
    size = 0

    async def checked() -> Message:
        nonlocal size
        message: Any = await receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > JSON_MAX_BYTES:
                raise too_large()
            if not message.get("more_body", False) and (why := json_refusal(b"".join(chunks))):
                raise refused("body", why)
        return message  # type: ignore[no-any-return]

    return checked


def too_large() -> ApiError:
    message = f"Body larger than {JSON_MAX_BYTES} bytes"
    return ApiError(413, "PAYLOAD_TOO_LARGE", message, {"body": [message]})
