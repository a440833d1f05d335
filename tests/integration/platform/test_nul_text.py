"""Text holding U+0000, which PostgreSQL text cannot store, never stalls a projection: the
event keeps the exact text, the read model shows U+FFFD in its place.

The HTTP edge refuses such text (tests/e2e/platform/test_error_envelope.py); these events
stand for the ones that reach the store another way (older events, another service's data).
"""
from __future__ import annotations

import psycopg
import pytest

from domain.tenancy.application import TenancyApplication
from domain.tenancy.project import Project
from infra.readstore import PostgresReadStore
from projectors.runtime import catch_up
from projectors.verify import replay
from tests.integration.platform.tenancy_log import runtime_with_projects

NAMES = [f"Pro\x00ject {n}" for n in range(20)] + ["After"]


@pytest.fixture
def runtime(fresh_database_url):
    opened, opened.project_ids = runtime_with_projects(fresh_database_url, NAMES)
    yield opened
    opened.store.close()


def project_names(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return sorted(name for (name,) in conn.execute("SELECT name FROM projects"))


def expected_names() -> list[str]:
    return sorted(name.replace("\x00", "\ufffd") for name in NAMES)


def test_events_with_u0000_are_projected_one_by_one_and_later_events_follow(runtime, fresh_database_url):
    reached, _ = catch_up(runtime.recorder.inner, runtime.store, runtime.projections, batch_size=1)
    assert reached == len(NAMES) + 2  # tenant, slug claim, projects
    assert project_names(fresh_database_url) == expected_names()
    stored = runtime.app(TenancyApplication).repository.get(runtime.project_ids[0])
    assert isinstance(stored, Project) and stored.name == NAMES[0]


def test_a_replay_copies_text_with_u0000_in_bulk(runtime, fresh_database_url):
    replay(runtime.recorder.inner, runtime.store, runtime.projections)
    assert project_names(fresh_database_url) == expected_names()
    with psycopg.connect(fresh_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == (len(NAMES) + 2,)


def test_the_read_store_writes_u0000_as_the_replacement_character_in_rows_and_copies(fresh_database_url):
    store = PostgresReadStore(fresh_database_url, pool_size=1)
    try:
        with store.transaction() as tx:
            tx.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
            tx.executemany("INSERT INTO notes (id, body) VALUES (:id, :body)", [{"id": 0, "body": "a\x00b"}])
            tx.executemany("INSERT INTO notes (id, body) VALUES (:id, :body)",
                           [{"id": n, "body": f"\x00{n}\x00"} for n in range(1, 40)])
            assert tx.fetch_one("SELECT body FROM notes WHERE body = :body", {"body": "a\x00b"}) == {"body": "a\ufffdb"}
        with psycopg.connect(fresh_database_url) as conn:
            assert conn.execute("SELECT body FROM notes WHERE id = 7").fetchone() == ("\ufffd7\ufffd",)
    finally:
        store.close()
