"""Idempotency keys are kept 24 h (CONTRACT §1), then deleted: a client sending a fresh key
per command, as the header is meant to be used, left every answer in the table for good,
since an expired key was deleted only when that same key came again.

The stacks are this module's own, so the first keyed command is their first purge.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.readstore import open_read_store
from infra.web.idempotency import RETENTION_SECONDS
from tests.fixtures import wait_until
from tests.fixtures.stack import Stack, start_own_embedded

OLD_KEYS = 2_500  # more than two purge batches


@pytest.fixture(scope="module", params=["embedded", "embedded_pg"])
def fresh_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    yield from start_own_embedded(request, {})


def read_store_of(stack: Stack):
    return open_read_store(stack.env.get("TESSERA_DATABASE_URL"), Path(stack.env["TESSERA_DATA_DIR"]),
                           pool_size=1)


def keys_of(store, owner_prefix: str) -> int:
    with store.transaction() as tx:
        return tx.fetch_one("SELECT count(*) AS n FROM idempotency_keys WHERE owner LIKE :p",
                            {"p": f"{owner_prefix}%"})["n"]


def test_keys_older_than_a_day_are_deleted_and_younger_ones_kept(fresh_stack):
    store = read_store_of(fresh_stack)
    now, run = time.time(), uuid.uuid4().hex
    rows = [{"owner": f"old-{run}:POST:/api/v1/projects", "key": str(n), "at": now - RETENTION_SECONDS - 60 - n,
             "claim": "c"} for n in range(OLD_KEYS)]
    rows.append({"owner": f"young-{run}:POST:/api/v1/projects", "key": "k", "at": now - RETENTION_SECONDS + 3600,
                 "claim": "c"})
    with store.transaction() as tx:
        tx.executemany("INSERT INTO idempotency_keys (owner, key, created_at, claim, status, body) "
                       "VALUES (:owner, :key, :at, :claim, 201, '{}')", rows)
    user = fresh_stack.new_user()
    with fresh_stack.client(user["token"]) as http:
        answer = http.post("/api/v1/tenants/", json={"name": "Keyed", "slug": f"keyed-{run[:8]}"},
                           headers={"Idempotency-Key": run})
        assert answer.status_code == 201
        wait_until(lambda: keys_of(store, f"old-{run}") == 0, timeout=30, message="expired keys purged")
        assert keys_of(store, f"young-{run}") == 1
        replay = http.post("/api/v1/tenants/", json={"name": "Keyed", "slug": f"keyed-{run[:8]}"},
                           headers={"Idempotency-Key": run})
    assert replay.headers.get("Idempotent-Replayed") == "true" and replay.json() == answer.json()
    store.close()
