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

from tests.fixtures.stack import STACK_MODES, Stack, start_variant

SMALL_POOLS = {"TESSERA_DB_POOL_SIZE": "4"}  # many stacks share one PostgreSQL server


def s3_env(moto_server: Any) -> dict[str, str]:
    """Object storage in an S3-compatible server (moto), reached only through its endpoint URL."""
    return {"TESSERA_S3_ENDPOINT_URL": moto_server.endpoint_url,
            "TESSERA_S3_BUCKET": f"jobs-{uuid.uuid4().hex[:10]}", "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="package", params=STACK_MODES)
def jobs_stack(request: pytest.FixtureRequest, smtp_server_session: Any) -> Iterator[Stack]:
    """The jobs stack in every mode; a test using it runs once per mode."""
    env = {**SMALL_POOLS, "TESSERA_SMTP_URL": smtp_server_session.url}
    if request.param == "production":
        env.update(s3_env(request.getfixturevalue("moto_server")))
    yield from start_variant(request, request.param, "jobs", env)
