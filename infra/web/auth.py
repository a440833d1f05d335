"""JWT access tokens on every route and socket (CONTRACT §1, §2).

A token names its user and the user's `token_version`; deactivation and password resets
bump the version in the identity read model, so every token issued before stops working.
Identity commands that do so wait for that projection before answering, so a client never
sees its old token accepted after the command returned.
"""
from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import msgspec
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.enums import ScopeType

from domain.errors import UnauthorizedError
from infra.config import Settings

ALGORITHM = "HS256"


class Principal(msgspec.Struct, frozen=True):
    id: uuid.UUID
    email: str
    access_level: str
    first_name: str = ""
    last_name: str = ""
    avatar_url: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.access_level in ("admin", "support")

    @property
    def is_admin(self) -> bool:
        return self.access_level == "admin"


def issue_token(settings: Settings, user_id: uuid.UUID, token_version: int, kind: str,
                extra: dict[str, Any] | None = None) -> tuple[str, int]:
    """A signed token and its lifetime in seconds."""
    lifetime = settings.access_token_seconds if kind == "access" else settings.refresh_token_seconds
    now = int(time.time())
    claims = {"sub": str(user_id), "tv": token_version, "typ": kind, "iat": now,
              "exp": now + lifetime, "jti": uuid.uuid4().hex, **(extra or {})}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), lifetime


class IssuedClaims(msgspec.Struct):
    """The claims every token of ours carries, in the types they are issued with. A token
    signed with our key whose claims have other types (an `exp` of "9999999999", which the
    JWT check accepts) is refused like a forged one, not left to fail where a claim is used."""
    sub: uuid.UUID
    tv: int
    typ: str
    exp: int


_verified: dict[tuple[str, str], dict[str, Any]] = {}
VERIFIED_TOKENS_KEPT = 10_000


def decode_token(settings: Settings, token: str, kind: str) -> dict[str, Any]:
    """The token's claims; a signature already verified is remembered until the token expires."""
    key = (settings.secret_key, token)
    claims = _verified.get(key)
    if claims is None or claims["exp"] <= time.time():
        claims = _verify(settings, token)
        if len(_verified) >= VERIFIED_TOKENS_KEPT:
            _verified.clear()
        _verified[key] = claims
    if claims["typ"] != kind:
        raise UnauthorizedError("Invalid or expired token")
    return dict(claims)


def _verify(settings: Settings, token: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM],
                            options={"require": ["sub", "exp", "typ", "tv"]})
        msgspec.convert(claims, IssuedClaims)
    except (jwt.PyJWTError, msgspec.ValidationError):
        raise UnauthorizedError("Invalid or expired token") from None
    return claims


async def principal_for(runtime: Any, token: str) -> tuple[Principal, dict[str, Any]]:
    """The active user a valid access token stands for, or UnauthorizedError."""
    claims = decode_token(runtime.settings, token, "access")
    row = await runtime.store.fetch_one(
        "SELECT id, email, first_name, last_name, avatar_url, access_level, is_active, token_version "
        "FROM users WHERE id = :id",
        {"id": claims["sub"]},
    )
    if not row or not row["is_active"] or row["token_version"] != claims["tv"]:
        raise UnauthorizedError("Invalid or expired token")
    return Principal(id=uuid.UUID(row["id"]), email=row["email"], access_level=row["access_level"],
                     first_name=row["first_name"], last_name=row["last_name"],
                     avatar_url=row["avatar_url"]), claims


def bearer_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class JWTAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Every HTTP route needs a bearer token unless its handler has `opt={"public": True}`."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, exclude_from_auth_key="public", scopes={ScopeType.HTTP})

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token = bearer_token(connection)
        if token is None:
            raise UnauthorizedError("Authentication credentials were not provided")
        principal, claims = await principal_for(connection.app.state.runtime, token)
        return AuthenticationResult(user=principal, auth=claims)
