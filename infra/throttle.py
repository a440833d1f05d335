"""Failure throttling: after `limit` failures of one key within `window` seconds, refuse it.

Kept in process memory: each command process counts on its own, so N replicas allow up to
N × `limit` failures per window, and a restart forgets the counts. That bounds password
guessing without a shared store; a deployment that needs a global count puts one behind
`attempt`/`succeeded`.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from domain.errors import RateLimitedError
from infra.config import Settings


FAILED_ATTEMPTS = "Too many failed attempts; try again later"


class FailureThrottle:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000, message: str = FAILED_ATTEMPTS) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self.message = message
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def attempt(self, key: str) -> None:
        """Count an attempt of `key` as a failure until `succeeded`, or raise RateLimitedError.

        Counting up front means concurrent attempts cannot slip past the limit together.
        """
        with self._lock:
            if key not in self._failures and len(self._failures) >= self.max_keys:
                self._forget_stale()
            recent = self._recent(key)
            if len(recent) >= self.limit:
                wait = recent[0] + self.window - self.clock()
                raise RateLimitedError(self.message, max(1, math.ceil(wait)))
            recent.append(self.clock())

    def succeeded(self, key: str) -> None:
        """Forget the failures of `key`: the attempt in progress was not one."""
        with self._lock:
            self._failures.pop(key, None)

    def withdraw(self, key: str) -> None:
        """Uncount the attempt in progress of `key` only: it was not a failure."""
        with self._lock:
            if self._failures.get(key):
                self._failures[key].pop()

    def _recent(self, key: str) -> deque[float]:
        recent = self._failures.setdefault(key, deque(maxlen=self.limit))
        while recent and recent[0] <= self.clock() - self.window:
            recent.popleft()
        return recent

    def _forget_stale(self) -> None:
        horizon = self.clock() - self.window
        for key in [k for k, times in self._failures.items() if not times or times[-1] <= horizon]:
            del self._failures[key]
        while len(self._failures) >= self.max_keys:
            del self._failures[next(iter(self._failures))]


class ClientAndEmailThrottle:
    """Attempts of one client address: `PER_EMAIL` for one email, and `PER_CLIENT` across
    emails, within `WINDOW` seconds; an attempt the email's bound refuses is not counted
    against the client."""

    PER_EMAIL, PER_CLIENT, WINDOW = 5, 20, 300.0
    MESSAGE = FAILED_ATTEMPTS

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_email = FailureThrottle(self.PER_EMAIL, self.WINDOW, clock, message=self.MESSAGE)
        self.per_client = FailureThrottle(self.PER_CLIENT, self.WINDOW, clock, message=self.MESSAGE)

    def email_key(self, client: str, email: str) -> str:
        return f"{client}|{email}"

    def attempt(self, client: str, email: str) -> None:
        """Count an attempt of both (a failure until `succeeded`), or raise RateLimitedError
        counting none."""
        self.per_client.attempt(client)
        try:
            self.per_email.attempt(self.email_key(client, email))
        except RateLimitedError:
            self.per_client.withdraw(client)
            raise


class LoginThrottle(ClientAndEmailThrottle):
    """Failed logins of one client address: for one email (guessing its password) and across
    emails (spraying one password over many accounts).

    A success forgives its email's failures, not the client's: one account a sprayer owns
    would otherwise wipe the count of every other account it tried.
    """

    def succeeded(self, client: str, email: str) -> None:
        self.per_email.succeeded(self.email_key(client, email))
        self.per_client.withdraw(client)


class ResetMailThrottle(ClientAndEmailThrottle):
    """Password-reset mails asked for: 3 per email within 15 minutes whoever asks, so no one
    can flood an address with them (every request mailed the address before), and 20 per
    client address across emails. Counted whether or not the email has an account, so a 429
    tells no one who has one."""

    PER_EMAIL, PER_CLIENT, WINDOW = 3, 20, 900.0
    MESSAGE = "Too many password reset requests; try again later"

    def email_key(self, client: str, email: str) -> str:
        return email


def login_throttle(settings: Settings) -> LoginThrottle:
    return LoginThrottle()


def reset_mail_throttle(settings: Settings) -> ResetMailThrottle:
    return ResetMailThrottle()
