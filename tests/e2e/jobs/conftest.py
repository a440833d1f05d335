"""Stacks of the jobs tests' own, in all three modes, mailing over the session's SMTP server.

Broadcasts go to every active user, so these stacks are not shared with other contexts'
tests. The production one keeps its files in S3 (moto's server), so its serve and worker
processes share nothing but the bucket, the database and Kafka.
"""
from __future__ import annotations

import uuid
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


def s3_env(moto_server: Any) -> dict[str, str]:
    """Object storage in an S3-compatible server (moto), reached only through its endpoint URL."""
    return {"TESSERA_S3_ENDPOINT_URL": moto_server.endpoint_url, "TESSERA_S3_BUCKET": f"jobs-{uuid.uuid4().hex[:10]}",
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def jobs_production_stack(smtp_server_session: Any, postgres_cluster: Any, kafka_broker: Any,
                          moto_server: Any) -> Iterator[Stack]:
    """Production shape with S3 storage: the serve and worker processes share only the bucket."""
    yield from start_production(postgres_cluster, kafka_broker.bootstrap,
                                TESSERA_SMTP_URL=smtp_server_session.url, **s3_env(moto_server))


@pytest.fixture(scope="session", params=STACK_MODES)
def jobs_stack(request: pytest.FixtureRequest) -> Stack:
    """The jobs stack in every mode; a test using it runs once per mode."""
    return request.getfixturevalue(f"jobs_{request.param}_stack")
