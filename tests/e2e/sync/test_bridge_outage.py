"""SQS out of reach when the command service starts: it serves anyway, says the bridge is
degraded in `health/ready/`, and creates its queues once SQS answers. It used to refuse to
start ("Application startup failed")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from infra.servers.moto_server import MotoServer
from tests.e2e.sync.queues import Queues, sqs_env
from tests.fixtures.stack import Stack, start_own_embedded


@pytest.fixture(scope="module", params=["embedded", "embedded_pg"])
def sqs_later(request: pytest.FixtureRequest) -> Iterator[tuple[Stack, MotoServer]]:
    moto = MotoServer()  # its port is chosen, nothing listens there until it starts
    try:
        for stack in start_own_embedded(request, sqs_env(moto)):
            yield stack, moto
    finally:
        moto.stop()


def readiness(stack: Stack) -> Any:
    return httpx.get(f"{stack.base_url}/health/ready/", timeout=10)


def test_the_command_service_starts_without_sqs_and_opens_the_queues_once_it_answers(sqs_later, wait_until):
    stack, moto = sqs_later
    ready = readiness(stack)
    assert ready.status_code == 200, ready.text
    assert "sqs_bridge" in ready.json()["degraded"]
    with stack.client(stack.admin_token()) as http:
        assert http.get("/api/v1/users/me/").status_code == 200
    moto.start()
    wait_until(lambda: not readiness(stack).json()["degraded"], timeout=60,
               message="the bridge to reach SQS and create its queues")
    Queues(moto.endpoint_url, stack.env)  # all three queues exist
