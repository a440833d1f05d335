"""Serialising commands on the same aggregates inside one process, with bounded retries.

Optimistic concurrency alone makes concurrent commands on one hot aggregate (a product
everyone buys, a user's daily quota) conflict with each other: all but one attempt fail and
retry. Taking a per-key lock around load → decide → save removes those conflicts within a
process; the store's version check still guards against other processes, and a conflict
from one of them is retried a bounded number of times.

`Combiner` goes one step further for the hottest keys: commands queued on a key while its
lock is held are run together by the next holder (one load, one save, one transaction).
"""
from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, Generic, TypeVar

from eventsourcing.persistence import IntegrityError

T = TypeVar("T")
Item = TypeVar("Item")
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


def retrying(attempt: Callable[[], T], attempts: int = MAX_ATTEMPTS) -> T:
    """Run `attempt`, again after a version conflict, at most `attempts` times."""
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except IntegrityError:
            if tries >= attempts:
                raise


def serialised(locks: KeyedLocks, keys: Iterable[Hashable], attempt: Callable[[], T],
               attempts: int = MAX_ATTEMPTS) -> T:
    """Run `attempt` holding the keys' locks; retry it on a version conflict from elsewhere."""
    with locks.holding(list(keys)):
        return retrying(attempt, attempts)


class Queued(Generic[Item]):
    """One caller's command waiting in a `Combiner`, with the caller's context (actor, tenant)."""

    __slots__ = ("item", "context", "done", "outcome")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.context = contextvars.copy_context()
        self.done = False
        self.outcome: Any = None

    def within(self, function: Callable[..., T], *args: Any) -> T:
        """Run `function` as the caller would have: its events carry the caller's actor."""
        return self.context.run(function, *args)


class Combiner(Generic[Item, T]):
    """Runs the commands queued on one key together, under that key's lock.

    `run_batch(key, queued)` returns one outcome per queued command, in order: a result, or an
    exception to raise in that command's caller. If it raises, every caller in the batch gets
    the error.
    """

    def __init__(self, locks: KeyedLocks,
                 run_batch: Callable[[Any, list[Queued[Item]]], list[T | BaseException]],
                 max_batch: int = 200) -> None:
        self.locks, self.run_batch, self.max_batch = locks, run_batch, max_batch
        self._guard = threading.Lock()
        self._queues: dict[Hashable, list[Queued[Item]]] = {}

    def submit(self, key: Hashable, item: Item) -> T:
        queued = Queued(item)
        with self._guard:
            self._queues.setdefault(key, []).append(queued)
        while not queued.done:
            with self.locks.holding([key]):
                if not queued.done:
                    self._run_next_batch(key)
        if isinstance(queued.outcome, BaseException):
            raise queued.outcome
        return queued.outcome  # type: ignore[no-any-return]

    def _run_next_batch(self, key: Hashable) -> None:
        with self._guard:
            queue = self._queues.pop(key)
            batch, rest = queue[: self.max_batch], queue[self.max_batch :]
            if rest:
                self._queues[key] = rest
        try:
            outcomes: list[Any] = self.run_batch(key, batch)
        except Exception as error:  # noqa: BLE001 - handed to every caller in the batch
            outcomes = [error] * len(batch)
        for queued, outcome in zip(batch, outcomes, strict=True):
            queued.outcome, queued.done = outcome, True
