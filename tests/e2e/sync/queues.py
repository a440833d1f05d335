"""The SQS bridge's queues seen from another service (boto3 against moto's server), shared by
the sync tests."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3

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

    def outbound_by_email(self, seen: dict[str, int]) -> dict[str, int]:
        """Count the outbound messages received so far per `obj_data.email` into `seen`."""
        for message in self.receive(self.outbound):
            email = json.loads(message["Body"])["data"]["obj_data"].get("email")
            seen[email] = seen.get(email, 0) + 1
        return seen

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
