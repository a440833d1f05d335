"""A PostgreSQL restart mid-stream: commands wait for it or get 503 UPSTREAM_ERROR (never a
500), every process carries on, and every accepted command reaches the read model once.

Before, the first requests after the restart drew dead pooled connections and answered 500,
and in production mode the relay and the projector exited. The cluster is this module's own,
since it is stopped; the broker is the shared one.
"""
from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest

from infra.servers.postgres_cluster import PostgresCluster
from tests.fixtures.stack import Stack, start_embedded, start_production
from tests.integration.platform.production import Traffic, eventually, read_position, users_count

OUTAGE_SECONDS = 3.0


@pytest.fixture(scope="module")
def restarted_cluster() -> Iterator[PostgresCluster]:
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture(scope="module", params=["embedded_pg", "production"])
def restart_stack(request: pytest.FixtureRequest, restarted_cluster: PostgresCluster) -> Iterator[Stack]:
    if request.param == "production":
        yield from start_production(restarted_cluster, request.getfixturevalue("kafka_broker").bootstrap)
    else:
        yield from start_embedded("embedded_pg", {"TESSERA_DATABASE_URL": restarted_cluster.create_database()})


def registration(stack: Stack, prefix: str, answers: list[httpx.Response]) -> Callable[[], int | None]:
    """One registration, its answer kept; the position if accepted."""
    def register() -> int | None:
        body = {"email": f"{prefix}-{uuid.uuid4().hex[:10]}@tessera.test", "password": "password-123",
                "first_name": "R", "last_name": "S"}
        with httpx.Client(base_url=stack.base_url, timeout=90) as http:
            answers.append(http.post("/api/v1/auth/register/", json=body))
        return answers[-1].json()["position"] if answers[-1].status_code == 201 else None

    return register


def test_a_database_restart_loses_no_accepted_command_and_stops_no_process(restart_stack, restarted_cluster):
    prefix = f"pgrestart-{uuid.uuid4().hex[:6]}"
    answers: list[httpx.Response] = []
    with Traffic(restart_stack, prefix, registration(restart_stack, prefix, answers)) as traffic:
        traffic.wait_for(5)
        restarted_cluster.stop_server()
        time.sleep(OUTAGE_SECONDS)
        restarted_cluster.start_server()
        traffic.wait_for(len(traffic.positions) + 10)
    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 503}, (statuses, [a.text for a in answers if a.status_code != 201])
    for refused in (answer for answer in answers if answer.status_code == 503):
        assert refused.json()["error"]["code"] == "UPSTREAM_ERROR" and refused.headers["retry-after"] == "1"
    assert {name: process.poll() for name, process in restart_stack.processes.items()} == \
        {name: None for name in restart_stack.processes}
    accepted = [position for position in traffic.positions if position is not None]
    eventually(restart_stack, lambda: read_position(restart_stack) >= max(accepted), 60, "read models caught up")
    assert users_count(restart_stack, prefix) == len(accepted)
