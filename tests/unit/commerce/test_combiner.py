"""The combiner behind checkout: queued commands on one key run together, each caller gets its own outcome."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from domain.concurrency import Combiner, KeyedLocks


def test_commands_queued_while_the_key_is_busy_run_in_batches_of_at_most_max():
    release, batches = threading.Event(), []

    def run_batch(key, queued):
        release.wait(5)
        batches.append([q.item for q in queued])
        return [ValueError(q.item) if q.item % 5 == 0 else q.item * 10 for q in queued]

    combiner = Combiner(KeyedLocks(), run_batch, max_batch=4)

    def submit(item):
        try:
            return combiner.submit("hot", item)
        except ValueError as refused:
            return f"refused {refused}"

    with ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(submit, item) for item in range(1, 13)]
        threading.Timer(0.2, release.set).start()
        outcomes = [f.result(timeout=10) for f in futures]
    assert outcomes == [i * 10 if i % 5 else f"refused {i}" for i in range(1, 13)]
    assert sorted(i for batch in batches for i in batch) == list(range(1, 13))
    assert len(batches) < 12 and max(len(batch) for batch in batches) <= 4


def test_a_failing_batch_fails_every_caller_in_it_and_the_next_batch_runs():
    calls = []

    def run_batch(key, queued):
        calls.append(len(queued))
        if len(calls) == 1:
            raise RuntimeError("store unavailable")
        return [q.item for q in queued]

    combiner = Combiner(KeyedLocks(), run_batch)
    with pytest.raises(RuntimeError):
        combiner.submit("k", 1)
    assert combiner.submit("k", 2) == 2
