"""Serialising commands on the same aggregates inside one process, with bounded retries.

Optimistic concurrency alone makes concurrent commands on one hot aggregate (a product
everyone buys, a user's daily quota) conflict with each other: all but one attempt fail and
retry. Taking a per-key lock around load → decide → save removes those conflicts within a
process; the store's version check still guards against other processes, and a conflict
from one of them is retried a bounded number of times.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TypeVar

from eventsourcing.persistence import IntegrityError

T = TypeVar("T")
MAX_ATTEMPTS = 5


class KeyedLocks:
    """A fixed set of striped locks: bounded memory, deadlock-free for many keys at once."""

    def __init__(self, stripes: int = 4096) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    @contextmanager
    def holding(self, keys: Iterable[Hashable]) -> Iterator[None]:
        """Hold the locks of every key, always taken in the same (sorted) order."""
        stripes = sorted({hash(key) % len(self._locks) for key in keys})
        with ExitStack() as held:
            for stripe in stripes:
                held.enter_context(self._locks[stripe])
            yield


def serialised(locks: KeyedLocks, keys: Iterable[Hashable], attempt: Callable[[], T],
               attempts: int = MAX_ATTEMPTS) -> T:
    """Run `attempt` holding the keys' locks; retry it on a version conflict from elsewhere."""
    keys = list(keys)
    tries = 0
    while True:
        tries += 1
        with locks.holding(keys):
            try:
                return attempt()
            except IntegrityError:
                if tries >= attempts:
                    raise
