"""Services that start together each set up the read-model schema; on PostgreSQL they must not
deadlock or collide while doing it, the catalog's books table keeps its storage option, and a
table deployed by an older version gains the columns added since."""
from __future__ import annotations

import threading

import psycopg
import pytest

from infra.config import load_settings
from infra.eventstore import open_recorder
from infra.readstore import PostgresReadStore, SqliteReadStore
from infra.web.idempotency import ADDED_COLUMNS as IDEMPOTENCY_COLUMNS
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


KEYS_BEFORE_FINGERPRINTS = """CREATE TABLE idempotency_keys (
    owner TEXT NOT NULL, key TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
    claim TEXT NOT NULL, status INTEGER, content_type TEXT, body TEXT, PRIMARY KEY (owner, key))"""


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_a_keys_table_from_before_fingerprints_gains_the_column_and_keeps_its_rows(dialect, request, tmp_path):
    store = (SqliteReadStore(tmp_path / "read.sqlite") if dialect == "sqlite"
             else PostgresReadStore(request.getfixturevalue("fresh_database_url"), pool_size=1))
    try:
        with store.transaction() as tx:
            tx.execute(KEYS_BEFORE_FINGERPRINTS)
            tx.execute("INSERT INTO idempotency_keys VALUES ('u:POST:/p', 'k', 1.0, 'c', 201, NULL, '{}')")
        for _ in range(2):  # every start sets the schema up again
            create_tables(store, [], extra=IDEMPOTENCY_TABLES, extra_columns=IDEMPOTENCY_COLUMNS)
        with store.transaction() as tx:
            row = tx.fetch_one("SELECT status, fingerprint FROM idempotency_keys WHERE key = 'k'")
    finally:
        store.close()
    assert (row["status"], row["fingerprint"]) == (201, None)
