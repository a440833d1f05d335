"""Services that start together each set up the read-model schema; on PostgreSQL they must not
deadlock or collide while doing it, and the catalog's books table keeps its storage option."""
from __future__ import annotations

import threading

import psycopg

from infra.config import load_settings
from infra.eventstore import open_recorder
from infra.readstore import PostgresReadStore
from infra.web.idempotency import TABLES as IDEMPOTENCY_TABLES
from projectors.projection import load_projections
from projectors.runtime import create_tables


def test_processes_setting_up_the_schema_at_once_all_succeed(fresh_database_url):
    stores = [PostgresReadStore(fresh_database_url, pool_size=1) for _ in range(6)]
    start = threading.Barrier(len(stores))
    failures: list[BaseException] = []

    def set_up(store: PostgresReadStore) -> None:
        start.wait()
        try:
            create_tables(store, load_projections(), extra=IDEMPOTENCY_TABLES)
        except BaseException as error:  # noqa: BLE001 - collected for the assertion below
            failures.append(error)

    try:
        for _ in range(3):
            threads = [threading.Thread(target=set_up, args=(store,)) for store in stores]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        assert failures == []
    finally:
        for store in stores:
            store.close()


def test_processes_opening_the_event_store_at_once_all_succeed(fresh_database_url):
    settings = load_settings({"TESSERA_DATABASE_URL": fresh_database_url, "TESSERA_DB_POOL_SIZE": "1"})
    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def open_store() -> None:
        start.wait()
        try:
            open_recorder(settings).datastore.close()
        except BaseException as error:  # noqa: BLE001 - collected for the assertion below
            failures.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []


def test_the_books_table_is_created_half_full_for_in_place_updates(fresh_database_url):
    store = PostgresReadStore(fresh_database_url, pool_size=1)
    try:
        create_tables(store, load_projections())
    finally:
        store.close()
    with psycopg.connect(fresh_database_url) as conn:
        options = conn.execute("SELECT reloptions FROM pg_class WHERE relname = 'books'").fetchone()[0]
    assert options == ["fillfactor=50"]
