"""Text holding U+0000 is refused at the edge: 400 INVALID_PAYLOAD, "Null characters are not
allowed.", the words Django and DRF answer with.

PostgreSQL text cannot hold U+0000. A command carrying one would store its event (events are
bytes) and then no read model could take it; a query carrying one would fail in the
database. So a path, a query string or a JSON body with one is refused before any handler,
the idempotency claim included, sees it. Multipart bodies are uploads: their bytes are files,
and the one text they carry, the file name, is cleaned or refused where each route reads it
(infra/s3.py `safe_name`, command_api/jobs/uploads.py).
"""
from __future__ import annotations

import re
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from infra.web.errors import ApiError

MESSAGE = "Null characters are not allowed."
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# `\u0000` in JSON text, unless its backslash is itself escaped (`\\u0000` is six characters).
_JSON_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def refused(where: str) -> ApiError:
    return ApiError(400, "INVALID_PAYLOAD", MESSAGE, {where: [MESSAGE]})


def json_has_nul(body: bytes) -> bool:
    """True if the JSON text decodes to a string holding U+0000. A raw 0x00 byte is not
    looked for: JSON forbids it, so the body's decoding refuses it anyway."""
    return b"\\u0000" in body and _JSON_NUL_ESCAPE.search(body) is not None


def nul_character_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if "\x00" in scope["path"]:
            raise refused("path")
        if b"%00" in scope.get("query_string", b""):
            raise refused("query")
        if scope.get("method") in BODY_METHODS and not _is_multipart(scope):
            receive = _checking_json(receive)
        await app(scope, receive, send)

    return middleware


def _is_multipart(scope: Scope) -> bool:
    content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
    return content_type.lower().startswith(b"multipart/")


def _checking_json(receive: Receive) -> Receive:
    """`receive` that, at the body's last chunk, refuses a body whose JSON holds U+0000.
    The body is parsed only once complete, so no handler has acted on it yet."""
    chunks: list[bytes] = []

    async def checked() -> Message:
        message: Any = await receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False) and json_has_nul(b"".join(chunks)):
                raise refused("body")
        return message  # type: ignore[no-any-return]

    return checked
