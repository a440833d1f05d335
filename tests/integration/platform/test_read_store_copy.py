"""Batches of plain inserts go to PostgreSQL as COPY, with the same result as row by row."""
from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

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
