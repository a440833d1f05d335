"""A replay's swap on PostgreSQL gives way to a long transaction holding a read-model table
(verify's snapshot): waiting on it, the swap's DROP queued every reader of that table and,
under the replay's hold, every live batch, until the transaction ended."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from infra.cli import drop_scratch_store, open_scratch_store
from infra.servers import wait_for
from projectors.runtime import create_tables
from projectors.shadow import replay_beside_live
from projectors.verify import replay
from tests.integration.platform.tenancy_log import runtime_with_projects


@pytest.fixture
def runtime(fresh_database_url):
    opened, _ = runtime_with_projects(fresh_database_url, [f"Project {n}" for n in range(30)])
    replay(opened.recorder.inner, opened.store, opened.projections)  # as the live path would
    shadow = open_scratch_store(opened.settings, "replay")
    create_tables(shadow, opened.projections)
    opened.shadow = shadow
    yield opened
    shadow.close()
    drop_scratch_store(opened.settings, "replay")
    opened.store.close()


def swap_waiting(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        return bool(conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                 "AND query LIKE 'DROP TABLE%'").fetchone()[0])


def count_projects(url: str) -> int:
    with psycopg.connect(url, autocommit=True, options="-c statement_timeout=15000") as conn:
        return int(conn.execute("SELECT count(*) FROM projects").fetchone()[0])


def live_batch(store) -> bool:
    with store.transaction(live=True) as tx:
        return tx.fetch_one("SELECT 1 AS one") == {"one": 1}


def test_a_long_reader_holds_up_neither_readers_nor_the_live_path_while_a_replay_waits(runtime,
                                                                                     fresh_database_url):
    with ThreadPoolExecutor(3) as pool, psycopg.connect(fresh_database_url) as reader:
        reader.execute("SELECT count(*) FROM projects")  # its transaction stays open
        swapped = pool.submit(replay_beside_live, runtime.recorder.inner, runtime.store,
                              runtime.shadow, runtime.projections)
        wait_for(lambda: swap_waiting(fresh_database_url), 30, "the swap to wait for the reader")
        assert pool.submit(count_projects, fresh_database_url).result(timeout=20) == 30
        assert pool.submit(live_batch, runtime.store).result(timeout=20)
        reader.rollback()
        assert swapped.result(timeout=60)["position"] == 32
    assert count_projects(fresh_database_url) == 30
