"""The SQS bridge's two loops (CONTRACT §8), run by the command service when SQS is configured.

Outbound: `command_api.sync.outbound` (the store's log → the outbound queue, one leader).
Inbound: any number of consumers; each message is applied once per event id (the store's
version check), deleted afterwards, and a malformed one goes to the dead-letter queue.
Neither loop ever stops on an error: it logs, backs off and goes on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from command_api.sync.outbound import POLL_SECONDS, Leadership, OutboundSender
from command_api.sync.schemas import MalformedMessage, inbound
from domain.sync.application import SyncApplication
from infra.config import Settings
from infra.sqs import SqsQueues

log = logging.getLogger("tessera.sync")


class SyncBridge:
    """Both loops as tasks of the command service; built by `runtime.resource(SyncBridge)`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.queues: SqsQueues | None = None
        self.leadership = Leadership(settings)
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self, runtime: Any) -> None:
        """Open the queues in the background: SQS out of reach at boot used to stop the
        command service from starting; now it serves, `health/ready/` names the bridge as
        degraded, and the queues are created as soon as SQS answers."""
        runtime.degraded_checks["sqs_bridge"] = self.problem
        self.tasks = [asyncio.create_task(self._open_then_run(runtime), name="tessera-sqs-open")]

    async def problem(self) -> str | None:
        return None if self.queues is not None else "SQS queues not reachable yet; retrying"

    async def _open_then_run(self, runtime: Any) -> None:
        self.queues = await _forever("queues", SqsQueues, self.settings)
        sender = OutboundSender(runtime, self.queues)
        self.tasks += [
            asyncio.create_task(self._send_forever(sender), name="tessera-sqs-outbound"),
            asyncio.create_task(self._consume_forever(runtime), name="tessera-sqs-inbound"),
        ]

    async def _send_forever(self, sender: OutboundSender) -> None:
        while not await _forever("outbound", self.leadership.try_lead):
            await asyncio.sleep(1.0)
        await _forever("outbound", sender.load_position)
        log.info("SQS outbound sender leading from position %d", sender.position)
        while True:
            passed = await _forever("outbound", sender.step)
            if not passed:
                await asyncio.sleep(POLL_SECONDS)

    async def _consume_forever(self, runtime: Any) -> None:
        while True:
            messages = await _forever("inbound", self.queues.receive, self.queues.inbound)
            for message in messages:
                try:
                    await self._consume(runtime, message)
                except Exception:  # left on the queue: redelivered, later dead-lettered
                    log.exception(
                        "inbound message %s failed; SQS will deliver it again",
                        message.get("MessageId"),
                    )

    async def _consume(self, runtime: Any, message: dict[str, Any]) -> None:
        body = message.get("Body", "")
        try:
            change = inbound(body)
        except MalformedMessage as error:
            log.warning(
                "malformed inbound message %s moved to the dead-letter queue: %s",
                message.get("MessageId"),
                error,
            )
            await asyncio.to_thread(self.queues.send_to_dead_letter, body, str(error))
        else:
            applied, _ = await runtime.execute(runtime.app(SyncApplication).apply_inbound, change)
            if not applied:
                log.info(
                    "inbound event %s already applied; repeat delivery ignored", change.event_id
                )
        await asyncio.to_thread(self.queues.delete, self.queues.inbound, message["ReceiptHandle"])

    async def aclose(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.queues is not None:
            self.queues.close()
        self.leadership.close()


async def _forever(loop: str, step: Any, *args: Any) -> Any:
    """Run one step (a coroutine function, or a blocking one in a thread) until it succeeds."""
    backoff = 0.1
    while True:
        try:
            if asyncio.iscoroutinefunction(step):
                return await step(*args)
            return await asyncio.to_thread(step, *args)
        except Exception:  # the bridge never stops; the step is retried
            log.exception("SQS bridge %s step failed; retrying in %.1fs", loop, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
