"""A replay builds the indexes of write-only projections once at the end, on PostgreSQL, and
never leaves a read model without them, even when the replay fails or is swapped in."""
from __future__ import annotations

import inspect

import psycopg
import pytest

from projectors.projection import Projection, load_projections
from infra.cli import drop_scratch_store, open_scratch_store
from projectors.runtime import create_tables
from projectors.shadow import replay_beside_live
from projectors.verify import replay
from tests.integration.platform.tenancy_log import runtime_with_projects, shipped_projection_names


@pytest.fixture
def runtime(fresh_database_url):
    opened, _ = runtime_with_projects(fresh_database_url, [f"Project {n}" for n in range(30)])
    yield opened
    opened.store.close()


def indexes(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {name for (name,) in conn.execute("SELECT indexname FROM pg_indexes")}


def deferred_index_names(projections: list[Projection]) -> set[str]:
    return {name for p in projections if p.write_only for name in p.index_names()}


def test_a_replay_rebuilds_rows_and_every_deferred_index(runtime, fresh_database_url):
    expected = deferred_index_names(runtime.projections)
    assert expected and expected <= indexes(fresh_database_url)
    result = replay(runtime.recorder.inner, runtime.store, runtime.projections)
    assert result["position"] == 32  # tenant, slug claim and 30 projects
    assert expected <= indexes(fresh_database_url)
    with psycopg.connect(fresh_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == (32,)
        assert conn.execute("SELECT count(*) FROM projects").fetchone() == (30,)


def test_a_replay_built_in_the_shadow_schema_is_swapped_in_with_every_index(runtime, fresh_database_url):
    replay(runtime.recorder.inner, runtime.store, runtime.projections)  # as the live path would
    before = indexes(fresh_database_url)
    shadow = open_scratch_store(runtime.settings, "replay")
    try:
        create_tables(shadow, runtime.projections)
        result = replay_beside_live(runtime.recorder.inner, runtime.store, shadow, runtime.projections)
    finally:
        shadow.close()
        drop_scratch_store(runtime.settings, "replay")
    assert result["position"] == 32
    assert indexes(fresh_database_url) == before
    with psycopg.connect(fresh_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == (32,)
        assert conn.execute("SELECT count(*) FROM projects").fetchone() == (30,)


class FailingView(Projection):
    contexts = ("tenancy",)

    def handles(self, envelope) -> bool:
        return envelope.type == "ProjectCreated"

    def apply(self, envelope, writer) -> None:
        raise RuntimeError("projection bug")


def test_a_failed_replay_still_leaves_the_indexes_in_place(runtime, fresh_database_url):
    failing = FailingView()
    failing.name = "failing_in_replay"  # set here, not on the class, so it is not registered
    projections = [*runtime.projections, failing]
    with pytest.raises(RuntimeError, match="projection bug"):
        replay(runtime.recorder.inner, runtime.store, projections)
    assert deferred_index_names(runtime.projections) <= indexes(fresh_database_url)


@pytest.mark.parametrize("projection", [p for p in load_projections(shipped_projection_names())
                                        if p.write_only],
                         ids=lambda p: p.name)
def test_a_write_only_projection_never_reads_its_tables(projection):
    """Its indexes are gone during a replay: a read there would scan the whole table."""
    source = inspect.getsource(type(projection))
    assert "fetch_one" not in source and "fetch_all" not in source
