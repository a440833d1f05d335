"""Ephemeral frames (typing indicators): to a channel's sockets on every push replica at once.

They are no events, so they are never stored and `?since=` never replays them. With Kafka,
a frame goes through the push topic that every push replica reads (`kafka_feed.py`), so a
socket on another replica gets it too; in embedded mode the one hub gets it directly.
"""
from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from infra.config import Settings
from infra.kafka import push_topic

_encode = msgspec.json.Encoder().encode


async def publish_ephemeral(runtime: Any, channel: str, frame_type: str, data: dict[str, Any],
                            sender: str | None = None) -> None:
    """To every socket on `channel` but the sender's own (the user whose action it tells of)."""
    frame = {"type": frame_type, "channel": channel, "position": 0, "data": data, "ephemeral": True,
             "sender": sender}
    if runtime.embedded_bus or not runtime.settings.uses_kafka:
        runtime.hub.publish([frame])
        return
    await runtime.resource(EphemeralProducer).send(frame)


class EphemeralProducer:
    """A Kafka producer of push-topic messages that carry only ephemeral frames."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer: Any = None
        self._lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        producer = await self._started()
        message = {"projections": [], "sources": {}, "frames": [frame]}
        await producer.send(push_topic(self.settings), _encode(message), key=frame["channel"].encode())

    async def _started(self) -> Any:
        async with self._lock:
            if self._producer is None:
                from aiokafka import AIOKafkaProducer

                producer = AIOKafkaProducer(bootstrap_servers=self.settings.kafka_bootstrap.split(","),
                                            client_id="tessera-push-ephemeral", linger_ms=0)
                await producer.start()
                self._producer = producer
        return self._producer

    async def aclose(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
