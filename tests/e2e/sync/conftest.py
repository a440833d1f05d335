"""A stack with the SQS bridge on (moto's server over HTTP), in every mode, and a boto3 client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.sync.queues import Queues, sqs_env
from tests.fixtures.stack import STACK_MODES, Stack, start_variant


@pytest.fixture(scope="package", params=STACK_MODES)
def sqs_stack(request: pytest.FixtureRequest, moto_server: Any) -> Iterator[Stack]:
    """The system with the SQS bridge on, once per mode; stopped when this package is done."""
    env = {**sqs_env(moto_server), "TESSERA_DB_POOL_SIZE": "4"}  # many stacks share one server
    yield from start_variant(request, request.param, "sqs", env)


@pytest.fixture
def queues(sqs_stack: Stack, moto_server: Any, wait_until: Any) -> Queues:
    wait_until(
        lambda: _queues_exist(moto_server, sqs_stack), 30, message="the bridge to create its queues"
    )
    return Queues(moto_server.endpoint_url, sqs_stack.env)


def _queues_exist(moto_server: Any, stack: Stack) -> bool:
    try:
        Queues(moto_server.endpoint_url, stack.env)
    except Exception:  # noqa: BLE001 - not created yet
        return False
    return True
