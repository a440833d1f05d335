"""Expired idempotency keys are purged by keyed commands, at most once a minute per process."""
from __future__ import annotations

import asyncio

from infra.web.idempotency import PURGE_EVERY_SECONDS, RETENTION_SECONDS, ExpiredKeysPurge


class CountingStore:
    """A store whose purges are counted: each purge is one transaction deleting nothing."""

    def __init__(self) -> None:
        self.purges: list[float] = []

    def transaction(self):
        store = self

        class Tx:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def execute(self, sql, params):
                store.purges.append(params["before"])
                return 0

        return Tx()


def test_a_purge_runs_at_most_once_a_minute_and_never_two_at_once():
    async def scenario(store):
        purge, now = ExpiredKeysPurge(), 1_000_000.0
        purge.purge_if_due(store, now)
        purge.purge_if_due(store, now + 1)  # within the minute
        await purge.running
        purge.purge_if_due(store, now + PURGE_EVERY_SECONDS - 1)
        purge.purge_if_due(store, now + PURGE_EVERY_SECONDS)
        await purge.running
        return now

    store = CountingStore()
    now = asyncio.run(scenario(store))
    assert store.purges == [now - RETENTION_SECONDS, now + PURGE_EVERY_SECONDS - RETENTION_SECONDS]
