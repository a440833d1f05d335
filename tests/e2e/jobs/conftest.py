"""Stacks of the jobs tests' own, in all three modes, mailing over the session's SMTP server.

Broadcasts go to every active user, so these stacks are not shared with other contexts'
tests; the production one also lets a test kill and restart its `worker` process.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.stack import STACK_MODES, Stack, start_embedded, start_production


@pytest.fixture(scope="session")
def jobs_embedded_stack(smtp_server_session: Any) -> Iterator[Stack]:
    yield from start_embedded("embedded", {"TESSERA_SMTP_URL": smtp_server_session.url})


@pytest.fixture(scope="session")
def jobs_embedded_pg_stack(smtp_server_session: Any, postgres_cluster: Any) -> Iterator[Stack]:
    yield from start_embedded("embedded_pg", {"TESSERA_SMTP_URL": smtp_server_session.url,
                                              "TESSERA_DATABASE_URL": postgres_cluster.create_database()})


@pytest.fixture(scope="session")
def jobs_production_stack(smtp_server_session: Any, postgres_cluster: Any, kafka_broker: Any) -> Iterator[Stack]:
    yield from start_production(postgres_cluster, kafka_broker.bootstrap,
                                TESSERA_SMTP_URL=smtp_server_session.url)


@pytest.fixture(scope="session", params=STACK_MODES)
def jobs_stack(request: pytest.FixtureRequest) -> Stack:
    """The jobs stack in every mode; a test using it runs once per mode."""
    return request.getfixturevalue(f"jobs_{request.param}_stack")
