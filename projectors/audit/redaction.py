"""What the audit log never shows: secrets carried by events (CONTRACT §7, "no secrets").

Event fields named here, or ending in one of the suffixes, are replaced by `[redacted]` at any
depth before an audit row is written, so neither the audit API nor the read store holds them.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

REDACTED = "[redacted]"
SECRET_FIELDS = frozenset({
    "password", "password_hash", "token", "access_token", "refresh_token", "jti", "refresh_jti",
    "secret", "secret_key", "api_key", "app_key", "otp", "image_b64", "qrcode", "session_data",
})
SECRET_SUFFIXES = ("_password", "_secret", "_token", "_jti", "_hash", "_otp")


@lru_cache(maxsize=4096)
def is_secret(field: str) -> bool:
    name = field.lower()
    return name in SECRET_FIELDS or name.endswith(SECRET_SUFFIXES)


def redact(value: Any) -> Any:
    """`value` with every secret field's value replaced, in nested objects and lists too."""
    if isinstance(value, dict):
        return {k: REDACTED if is_secret(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value
