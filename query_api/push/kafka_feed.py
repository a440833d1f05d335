"""The push service's feed in production: projector frames from Kafka into this process's hub.

Projectors send, after each committed batch, the frames it produced and the watermark each
source (`topic:partition`) reached. The feed reads that topic without a consumer group
(every push replica sees every frame), starting from its end: frames older than that are
served from the `push_frames` table by `?since=` resumes. It keeps the highest watermark
reported per projection and source (and each projection's floor, raised by the relay's
claims), seeded from `projection_positions`, and releases
frames up to the position every projection has reached on every source (`position_of`),
so a socket never gets a frame before an older one that is still on its way.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec

from infra.config import Settings
from infra.kafka import push_topic
from projectors.clock import position_of
from projectors.runtime import FLOOR

log = logging.getLogger("tessera.push.feed")
_decode = msgspec.json.Decoder().decode


class KafkaPushFeed:
    """Built by `runtime.resource(KafkaPushFeed)`; `start(runtime)` once the hub exists."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.topic = push_topic(settings)
        self.found: dict[str, dict[str, int]] = {}
        self.expected: dict[str, list[str]] = {}
        self.connected = False
        self._task: asyncio.Task[None] | None = None
        self._runtime: Any = None

    async def start(self, runtime: Any) -> None:
        self._runtime = runtime
        self.expected = runtime.expected_sources()
        checks = getattr(runtime, "readiness_checks", None)
        if checks is None:
            checks = runtime.readiness_checks = {}
        checks["push_feed"] = self.problem
        self._task = asyncio.create_task(self._run(), name="tessera-push-feed")

    async def problem(self) -> str | None:
        return None if self.connected else "push feed not connected to Kafka"

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def receive(self, value: bytes) -> None:
        """One projector message: remember its watermarks, hand its frames to the hub."""
        message = _decode(value)
        for projection in message.get("projections", ()):
            wanted = self.expected.get(projection, ())
            reached = self.found.setdefault(projection, {})
            for source, position in message["sources"].items():
                if source in wanted and position > reached.get(source, 0):
                    reached[source] = position
        for projection, floor in message.get("floors", {}).items():
            reached = self.found.setdefault(projection, {})
            reached[FLOOR] = max(reached.get(FLOOR, 0), floor)
        self._runtime.hub.publish(message["frames"], position_of(self.found, self.expected))

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - reconnect; `?since=` covers the gap
                log.warning("push feed lost Kafka (%r); reconnecting in %.1fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _consume(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        consumer = AIOKafkaConsumer(bootstrap_servers=self.settings.kafka_bootstrap.split(","),
                                    group_id=None, enable_auto_commit=False, client_id="tessera-push")
        await consumer.start()
        try:
            await consumer.topics()
            partitions = [TopicPartition(self.topic, p)
                          for p in sorted(consumer.partitions_for_topic(self.topic) or {0})]
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            await self._seed_positions()
            self.connected = True
            while True:
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    for record in records:
                        self.receive(record.value)
        finally:
            self.connected = False
            await consumer.stop()

    async def _seed_positions(self) -> None:
        rows = await self._runtime.store.fetch_all(
            "SELECT projection, source, position FROM projection_positions")
        for row in rows:
            reached = self.found.setdefault(row["projection"], {})
            reached[row["source"]] = max(reached.get(row["source"], 0), row["position"])
        self._runtime.hub.release_until(position_of(self.found, self.expected))
