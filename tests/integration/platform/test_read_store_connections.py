"""Reads survive pooled connections the server has ended (a restart ends them all)."""
from __future__ import annotations

import asyncio

import psycopg

from infra.readstore import PostgresReadStore


def end_every_other_session(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        ended = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
    return int(ended[0])


def test_reads_after_the_server_ended_every_pooled_connection_succeed(fresh_database_url):
    store = PostgresReadStore(fresh_database_url, pool_size=4)

    async def reads() -> list[object]:
        try:
            await asyncio.gather(*(store.fetch_one("SELECT pg_sleep(0.05)") for _ in range(4)))
            assert end_every_other_session(fresh_database_url) >= 4
            answers: list[object] = [await store.fetch_one("SELECT 1 AS one") for _ in range(6)]
            answers += await asyncio.gather(*(store.fetch_all("SELECT 2 AS two") for _ in range(4)))
            return answers
        finally:
            await store.aclose()

    try:
        assert asyncio.run(asyncio.wait_for(reads(), 30)) == [{"one": 1}] * 6 + [[{"two": 2}]] * 4
    finally:
        store.close()
