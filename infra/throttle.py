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


class FailureThrottle:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
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
                raise RateLimitedError("Too many failed attempts; try again later",
                                       max(1, math.ceil(wait)))
            recent.append(self.clock())

    def succeeded(self, key: str) -> None:
        """Forget the failures of `key`: the attempt in progress was not one."""
        with self._lock:
            self._failures.pop(key, None)

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


def login_throttle(settings: Settings) -> FailureThrottle:
    """Five failed logins per client address and email within five minutes."""
    return FailureThrottle(limit=5, window=300.0)
