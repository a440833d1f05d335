"""SQS through boto3 and `TESSERA_SQS_ENDPOINT_URL`: the queues of the SQS bridge (CONTRACT §8).

Three queues, created on start if missing: outbound (this service's events), inbound (what
other services send) and its dead-letter queue. Malformed inbound messages are moved there
on purpose; messages that keep failing for other reasons get there by the inbound queue's
redrive policy after `MAX_RECEIVES` attempts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from infra.config import Settings

log = logging.getLogger("tessera.sqs")

BATCH_ENTRIES = 10
BATCH_BYTES = 250 * 1024
MAX_RECEIVES = 5
SEND_ATTEMPTS = 5


class SqsError(RuntimeError):
    """SQS refused messages even after retries."""


def queue_names(settings: Settings) -> tuple[str, str, str]:
    """Outbound, inbound and dead-letter queue names, with defaults for the unset ones."""
    outbound = settings.sqs_outbound_queue or "tessera-outbound"
    inbound = settings.sqs_inbound_queue or "tessera-inbound"
    return outbound, inbound, settings.sqs_dead_letter_queue or f"{inbound}-dead-letter"


class SqsQueues:
    def __init__(self, settings: Settings) -> None:
        import boto3
        from botocore.config import Config

        self.client: Any = boto3.client(
            "sqs",
            endpoint_url=settings.sqs_endpoint_url,
            region_name=settings.sqs_region,
            config=Config(retries={"max_attempts": 3}, connect_timeout=5, read_timeout=30),
        )
        outbound, inbound, dead_letter = queue_names(settings)
        self.outbound_name = outbound
        self.outbound = self._ensure(outbound)
        self.dead_letter = self._ensure(dead_letter)
        arn = self.client.get_queue_attributes(
            QueueUrl=self.dead_letter, AttributeNames=["QueueArn"]
        )
        redrive = json.dumps(
            {
                "deadLetterTargetArn": arn["Attributes"]["QueueArn"],
                "maxReceiveCount": str(MAX_RECEIVES),
            }
        )
        self.inbound = self._ensure(inbound, {"RedrivePolicy": redrive, "VisibilityTimeout": "30"})

    def _ensure(self, name: str, attributes: dict[str, str] | None = None) -> str:
        return str(
            self.client.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"]
        )

    def send_batch(self, queue_url: str, bodies: Sequence[str]) -> list[str]:
        """Send every body with SendMessageBatch; SQS's message ids, in the same order."""
        ids: list[str] = []
        for chunk in _chunks(bodies):
            ids += self._send_chunk(queue_url, chunk)
        return ids

    def _send_chunk(self, queue_url: str, bodies: list[str]) -> list[str]:
        ids: dict[str, str] = {}
        pending = {str(i): body for i, body in enumerate(bodies)}
        for _ in range(SEND_ATTEMPTS):
            entries = [{"Id": key, "MessageBody": body} for key, body in pending.items()]
            answer = self.client.send_message_batch(QueueUrl=queue_url, Entries=entries)
            for done in answer.get("Successful", []):
                ids[done["Id"]] = done["MessageId"]
                pending.pop(done["Id"], None)
            if not pending:
                return [ids[str(i)] for i in range(len(bodies))]
            log.warning("SQS refused %d message(s): %s", len(pending), answer.get("Failed"))
        raise SqsError(f"SQS refused {len(pending)} message(s) after {SEND_ATTEMPTS} attempts")

    def receive(
        self, queue_url: str, wait_seconds: int = 1, limit: int = 10
    ) -> list[dict[str, Any]]:
        answer = self.client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=limit,
            WaitTimeSeconds=wait_seconds,
            MessageAttributeNames=["All"],
        )
        return list(answer.get("Messages", []))

    def delete(self, queue_url: str, receipt_handle: str) -> None:
        self.client.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt_handle)

    def send_to_dead_letter(self, body: str, reason: str) -> None:
        self.client.send_message(
            QueueUrl=self.dead_letter,
            MessageBody=body,
            MessageAttributes={
                "error": {"DataType": "String", "StringValue": reason[:1000] or "malformed"}
            },
        )

    def close(self) -> None:
        self.client.close()


def _chunks(bodies: Sequence[str]) -> list[list[str]]:
    """Groups within SQS's batch limits: 10 entries and 256 KiB per request."""
    chunks: list[list[str]] = [[]]
    size = 0
    for body in bodies:
        length = len(body.encode())
        if len(chunks[-1]) == BATCH_ENTRIES or (chunks[-1] and size + length > BATCH_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(body)
        size += length
    return [chunk for chunk in chunks if chunk]
