"""What an `Idempotency-Key` was first used for: a sha256 of the request's `X-Tenant`, query
string and body bytes.

A key reused with another request (another body, or the same body for another tenant) is not
a repeat (CONTRACT §1), and replaying the first answer would tell the client that its new
request was done when it was not. The body is hashed as it streams to the handler, so it is
neither buffered nor read twice; a repeat's body is read here, before its answer is chosen.
"""
from __future__ import annotations

import hashlib
from typing import Any

from litestar.types import Message, Receive, Scope


class RequestFingerprint:
    def __init__(self, scope: Scope) -> None:
        tenant = dict(scope.get("headers", [])).get(b"x-tenant", b"")
        self._hash = hashlib.sha256(b"x-tenant:%s\nquery:%s\n" % (tenant, scope.get("query_string", b"")))
        self._ended = False  # nothing more to read: the body's end, a disconnect or a refusal
        self._whole = False  # the body was hashed to its end

    def hashing(self, receive: Receive) -> Receive:
        """`receive` that adds each chunk of the body to the fingerprint."""
        async def hashed() -> Message:
            try:
                message: Any = await receive()
            except Exception:
                self._ended = True  # an input check refused the body (413, NUL): read no more
                raise
            if message["type"] == "http.request":
                self._hash.update(message.get("body", b""))
                self._whole = not message.get("more_body", False)
            self._ended = self._whole or message["type"] != "http.request"
            return message  # type: ignore[no-any-return]

        return hashed

    async def finished(self, hashed: Receive) -> str | None:
        """The fingerprint once the body is read to its end through `hashed` (a handler may
        answer without reading it); None if it cannot be: the client went away, or the body
        was refused."""
        while not self._ended:
            try:
                await hashed()
            except Exception:  # noqa: BLE001 - refused input has no fingerprint
                break
        return self._hash.hexdigest() if self._whole else None
