"""Password hashing with argon2id: argon2-cffi's recommended parameters, or its cheapest
profile for test suites (`TESSERA_PASSWORD_HASHING=cheapest`, refused in production).

With the recommended parameters (64 MiB, three passes) a hash and a check cost 110-170 ms of
CPU here, as they should against guessing; a suite that signs up and logs in users by the
hundred paid minutes for that alone (`make test`: 13-14 min before, about 8 after). A hash
carries its own parameters, so a check needs no profile and accepts hashes made with either.
"""
from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

_HASHERS = {"recommended": PasswordHasher(),
            "cheapest": PasswordHasher.from_parameters(profiles.CHEAPEST)}
UNUSABLE = "!"


def hash_password(password: str, profile: str = "recommended") -> str:
    """`profile`: `Settings.password_hashing`."""
    return _HASHERS[profile].hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches; with no usable hash (an unknown email, an account without
    a password) it checks against a decoy instead, so both cost the same time."""
    usable = bool(password_hash) and password_hash != UNUSABLE
    try:
        matches = _HASHERS["recommended"].verify(password_hash if usable else _decoy(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matches and usable


@cache
def _decoy() -> str:
    return _HASHERS["recommended"].hash(secrets.token_urlsafe(16))
