"""The error envelope of CONTRACT §1, for every 4xx/5xx: ours, Litestar's and unexpected ones."""
from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from domain import errors
from infra.s3 import ObjectStorageUnavailable

log = logging.getLogger("tessera.errors")
# A version conflict: nothing was done, and the same request may succeed when retried.
CHANGED_CONCURRENTLY = "The resource was changed concurrently; retry"
BODY_REQUIRED = "Request body is required"
# msgspec's "<what> - at `$.items[0].quantity`", and its errors naming a field of an object.
_LOCATED = re.compile(r"(?P<text>.*?) - at `\$\.?(?P<path>[^`]*)`", re.DOTALL)
_NAMED_FIELD = re.compile(r"Object (?P<kind>missing required|contains unknown) field `(?P<name>[^`]*)`")

_CODES_BY_STATUS = {
    400: "INVALID_PAYLOAD", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE", 415: "INVALID_PAYLOAD",
    429: "RATE_LIMITED", 500: "INTERNAL_ERROR", 502: "UPSTREAM_ERROR", 503: "UPSTREAM_ERROR",
}
_DOMAIN = [
    (errors.InsufficientStockError, 409, "INSUFFICIENT_STOCK"),
    (errors.ConflictError, 409, "CONFLICT"),
    (errors.NotFoundError, 404, "NOT_FOUND"),
    (errors.ForbiddenError, 403, "FORBIDDEN"),
    (errors.UnauthorizedError, 401, "UNAUTHORIZED"),
    (errors.InvalidError, 400, "INVALID_PAYLOAD"),
    (errors.TooLargeError, 413, "PAYLOAD_TOO_LARGE"),
    (errors.QuotaExceededError, 429, "QUOTA_EXCEEDED"),
    (errors.RateLimitedError, 429, "RATE_LIMITED"),
]


class ApiError(Exception):
    """An error raised at the edge with an explicit code (e.g. 503 on X-Min-Position)."""

    def __init__(self, status: int, code: str, message: str,
                 details: dict[str, list[str]] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details or {}, headers or {}


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(code: str, message: str, details: dict[str, Any] | None, request_id: str | None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {},
                      "request_id": request_id, "timestamp": now_text()}}


# A 401 names the scheme that would be accepted (RFC 9110 §11.6.1, RFC 6750 §3), as DRF and
# simplejwt do: `Bearer realm="api"`. Before, 401s came without it.
BEARER_CHALLENGE = 'Bearer realm="api"'


def to_api_error(exc: Exception) -> ApiError:
    error = _api_error(exc)
    if error.status == 401:
        error.headers.setdefault("WWW-Authenticate", BEARER_CHALLENGE)
    if error.status == 405 and "GET" in (allowed := error.headers.get("allow", "")).split(", "):
        error.headers["allow"] = f"{allowed}, HEAD"  # answered wherever GET is (TesseraApp)
    return error


def _api_error(exc: Exception) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    for kind, status, code in _DOMAIN:
        if isinstance(exc, kind):
            retry = getattr(exc, "retry_after", None)
            headers = {"Retry-After": str(retry)} if retry is not None else None
            return ApiError(status, code, exc.message, exc.details, headers)  # type: ignore[attr-defined]
    if isinstance(exc, IntegrityError):
        return ApiError(409, "CONFLICT", CHANGED_CONCURRENTLY)
    if database_unavailable(exc):
        return ApiError(503, "UPSTREAM_ERROR", "The database is unavailable; retry",
                        headers={"Retry-After": "1"})
    if isinstance(exc, ObjectStorageUnavailable):
        return ApiError(503, "UPSTREAM_ERROR", "File storage is unavailable; retry later",
                        headers={"Retry-After": "5"})
    if isinstance(exc, ValidationException):
        return ApiError(400, "INVALID_PAYLOAD", _validation_message(exc), _validation_details(exc))
    if isinstance(exc, HTTPException):
        status = exc.status_code
        code = _CODES_BY_STATUS.get(status, "INTERNAL_ERROR" if status >= 500 else "INVALID_PAYLOAD")
        message = exc.detail if status < 500 else "Internal server error"
        return ApiError(status, code, message, headers=dict(exc.headers or {}))
    return ApiError(500, "INTERNAL_ERROR", "Internal server error")


def database_unavailable(exc: BaseException) -> bool:
    """PostgreSQL unreachable, restarting or out of pooled connections (psycopg's
    OperationalError, PoolTimeout included), raised as is or wrapped by `eventsourcing`. A
    broken query is a ProgrammingError or DataError instead, and stays a 500."""
    import psycopg

    return isinstance(exc, psycopg.OperationalError) or isinstance(exc.__cause__, psycopg.OperationalError)


def _validation_details(exc: ValidationException) -> dict[str, list[str]]:
    details: dict[str, list[str]] = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            key, text = _field_error(item)
            details.setdefault(key, []).append(text)
    return details


def _validation_message(exc: ValidationException) -> str:
    for key, messages in _validation_details(exc).items():
        return field_message(key, messages[0])
    return exc.detail or "Invalid payload"


def _field_error(item: dict[str, Any]) -> tuple[str, str]:
    """Litestar keys a body's errors under its parameter, `data` (a missing body is a KeyError
    of it): re-keyed by the offending field, as a parameter's errors are."""
    key, text = str(item.get("key") or item.get("source") or "body"), str(item.get("message", "invalid"))
    if item.get("source") != "body":
        return key, text
    if text == f"'{key}'":
        return "body", BODY_REQUIRED
    return body_field_error(text, "" if key == "data" else key)


def body_field_error(text: str, path: str = "", whole: str = "body") -> tuple[str, str]:
    """(the field's path, what is wrong) of a msgspec validation error of a body or a socket
    frame: `password`, `items[0].quantity`; `whole` for the value as a whole (not an object,
    say)."""
    if located := _LOCATED.fullmatch(text):
        text, path = located["text"], located["path"]
    if named := _NAMED_FIELD.fullmatch(text):
        path = f"{path}.{named['name']}" if path else named["name"]
        text = "is required" if named["kind"] == "missing required" else "is not a known field"
    return path or whole, text


def field_message(key: str, text: str, whole: str = "body") -> str:
    return text if key == whole else f"Field '{key}' {text}"


def invalid_body(error_text: str) -> ApiError:
    """400 INVALID_PAYLOAD for msgspec's error decoding a body, keyed by the offending field."""
    key, text = body_field_error(error_text)
    return ApiError(400, "INVALID_PAYLOAD", field_message(key, text), {key: [text]})


def request_id_of(request: Request) -> str:
    from infra.web.middleware import ensure_request_id

    return ensure_request_id(request.scope)


def outage_of(exc: Exception) -> str | None:
    if database_unavailable(exc):
        return "database"
    return "storage" if isinstance(exc, ObjectStorageUnavailable) else None


def handle_exception(request: Request, exc: Exception) -> Response:
    error = to_api_error(exc)
    if error.status == 503 and (outage := outage_of(exc)):
        # An outage fails every request alike: one line each, not a traceback each.
        log.warning("%s unavailable on %s %s: %s: %s", outage, request.method, request.url.path,
                    type(exc).__name__, exc)
    elif error.status >= 500:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return Response(
        envelope(error.code, error.message, error.details, request_id_of(request)),
        status_code=error.status, headers=error.headers, media_type=MediaType.JSON,
    )
