"""A stack with the SQS bridge on (moto's server over HTTP), in every mode, and a boto3 client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.fixtures.stack import STACK_MODES, Stack, start_embedded, start_production

APP_KEY = "sync-test-app-key"


class Queues:
    """The stack's three queues, seen from another service."""

    def __init__(self, endpoint_url: str, env: dict[str, str]) -> None:
        self.client = boto3.client(
            "sqs",
            endpoint_url=endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        self.outbound = self.url(env["TESSERA_SQS_OUTBOUND_QUEUE"])
        self.inbound = self.url(env["TESSERA_SQS_INBOUND_QUEUE"])
        self.dead_letter = self.url(f"{env['TESSERA_SQS_INBOUND_QUEUE']}-dead-letter")

    def url(self, name: str) -> str:
        return self.client.get_queue_url(QueueName=name)["QueueUrl"]

    def receive(self, url: str) -> list[dict[str, Any]]:
        messages = self.client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", [])
        for message in messages:
            self.client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return messages

    def send(self, body: str) -> None:
        self.client.send_message(QueueUrl=self.inbound, MessageBody=body)

    def drained(self, url: str) -> bool:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        counts = self.client.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return all(int(counts[name]) == 0 for name in names)


def sqs_env(moto_server: Any) -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {
        "TESSERA_SQS_ENDPOINT_URL": moto_server.endpoint_url,
        "TESSERA_SQS_OUTBOUND_QUEUE": f"out-{tag}",
        "TESSERA_SQS_INBOUND_QUEUE": f"in-{tag}",
        "TESSERA_APP_KEY": APP_KEY,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }


@pytest.fixture(scope="session", params=STACK_MODES)
def sqs_stack(request: pytest.FixtureRequest, moto_server: Any) -> Iterator[Stack]:
    """The system with the SQS bridge on, once per mode."""
    env = sqs_env(moto_server)
    if request.param == "production":
        cluster, broker = (
            request.getfixturevalue("postgres_cluster"),
            request.getfixturevalue("kafka_broker"),
        )
        yield from start_production(cluster, broker.bootstrap, **env)
    elif request.param == "embedded_pg":
        url = request.getfixturevalue("postgres_cluster").create_database()
        yield from start_embedded("embedded_pg_sqs", {**env, "TESSERA_DATABASE_URL": url})
    else:
        yield from start_embedded("embedded_sqs", env)


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
