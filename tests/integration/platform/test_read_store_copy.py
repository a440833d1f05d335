"""Batches of plain inserts go to PostgreSQL as COPY, with the same result as row by row."""
from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest
from psycopg import sql

from infra.readstore import PostgresReadStore

TABLE = ("CREATE TABLE copied (id TEXT PRIMARY KEY, n BIGINT, flag BOOLEAN, price NUMERIC,"
         " ratio DOUBLE PRECISION, note TEXT)")
INSERT = ("INSERT INTO copied (id, n, flag, price, ratio, note)"
          " VALUES (:id, :n, :flag, :price, :ratio, :note)")
AWKWARD = "tab\there, newline\nthere, back\\slash, quote ' and \" and \\N"


def rows(count: int) -> list[dict]:
    return [{"id": f"r{i}", "n": i * 10**10, "flag": i % 2 == 0, "price": Decimal("9.99"),
             "ratio": i / 3, "note": AWKWARD if i % 3 else None} for i in range(count)]


@pytest.fixture
def store(fresh_database_url):
    opened = PostgresReadStore(fresh_database_url, pool_size=1)
    with opened.transaction() as tx:
        tx.execute(TABLE)
    yield opened
    opened.close()


def test_a_large_batch_of_plain_inserts_stores_every_value_exactly(store, fresh_database_url):
    with store.transaction() as tx:
        tx.executemany(INSERT, rows(100))
    with psycopg.connect(fresh_database_url) as conn:
        stored = conn.execute("SELECT id, n, flag, price, ratio, note FROM copied ORDER BY n").fetchall()
    assert stored == [(r["id"], r["n"], r["flag"], r["price"], r["ratio"], r["note"]) for r in rows(100)]


def test_a_duplicate_in_a_copied_batch_fails_the_whole_transaction(store, fresh_database_url):
    duplicated = rows(40) + rows(1)
    with pytest.raises(psycopg.errors.UniqueViolation), store.transaction() as tx:
        tx.executemany(INSERT, duplicated)
    with psycopg.connect(fresh_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM copied").fetchone() == (0,)


def test_a_transaction_that_need_not_be_durable_leaves_its_pooled_connection_durable(fresh_database_url):
    """A projector's floors-only batch skips the commit's disk flush; the next transaction on
    the same connection (pool of one) applies events and must wait for it again. The test
    cluster runs without flushes, so this database is set to flush first."""
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit TO on").format(sql.Identifier(name)))
    store = PostgresReadStore(fresh_database_url, pool_size=1)
    try:
        with store.transaction(durable=False) as tx:
            assert tx.fetch_one("SHOW synchronous_commit")["synchronous_commit"] == "off"
        with store.transaction() as tx:
            assert tx.fetch_one("SHOW synchronous_commit")["synchronous_commit"] == "on"
    finally:
        store.close()
