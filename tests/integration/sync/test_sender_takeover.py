"""Production shape: two command services, one SQS sender. The advisory lock's holder sends;
when it is SIGKILLed the standby takes over from the saved position and resends nothing
already recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.servers import free_port
from tests.e2e.sync.queues import Queues, sqs_env
from tests.fixtures.stack import Stack, start_production, wait_healthy

LEADING = "SQS outbound sender leading"


@pytest.fixture(scope="module")
def two_senders(postgres_cluster: Any, kafka_broker: Any, moto_server: Any) -> Iterator[Stack]:
    env = {**sqs_env(moto_server), "TESSERA_DB_POOL_SIZE": "4"}
    for stack in start_production(postgres_cluster, kafka_broker.bootstrap, **env):
        port = free_port()
        log = Path(stack.env["TESSERA_DATA_DIR"]) / "serve2.log"
        stack.define("serve2", ["serve", "--host", "127.0.0.1", "--port", str(port)], log)
        stack.start("serve2")
        wait_healthy(f"http://127.0.0.1:{port}", stack.processes["serve2"], log)
        stack.second_url = f"http://127.0.0.1:{port}"
        yield stack


def register(base_url: str, email: str) -> None:
    import httpx

    body = {"email": email, "password": "password-123", "first_name": "Take", "last_name": "Over"}
    answer = httpx.post(f"{base_url}/api/v1/auth/register/", json=body, timeout=30)
    assert answer.status_code == 201, answer.text


def test_the_standby_sender_takes_over_and_resends_nothing(two_senders, moto_server, wait_until):
    queues = Queues(moto_server.endpoint_url, two_senders.env)
    seen: dict[str, int] = {}
    emails = [f"takeover-{n}-{id(seen)}@tessera.test" for n in range(3)]

    standby_log = two_senders.logs["serve2"]
    register(two_senders.base_url, emails[0])
    wait_until(lambda: emails[0] in queues.outbound_by_email(seen), 20, message="the first message")
    assert LEADING not in standby_log.read_text()
    two_senders.kill("serve")
    register(two_senders.second_url, emails[1])
    register(two_senders.second_url, emails[2])
    wait_until(
        lambda: emails[2] in queues.outbound_by_email(seen),
        30,
        message="the standby's messages after the takeover",
    )
    assert [seen.get(email) for email in emails] == [1, 1, 1]
    assert LEADING in standby_log.read_text()
