"""Embedded mode's bus: follow the store's log in-process and feed projections and the hub.

Commands wake the follower as soon as their events are durable; a periodic wake-up also
catches events appended by other processes sharing the same database. A failing batch is
rolled back and retried with backoff, never skipped: the read side stalls visibly (lag
metric, `health/ready/`) instead of silently losing an event.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from infra import metrics
from projectors.runtime import catch_up

log = logging.getLogger("tessera.follower")


class LogFollower:
    def __init__(self, recorder: Any, store: Any, projections: list[Any], hub: Any, clock: Any,
                 batch_size: int = 1000, idle_poll: float = 0.5) -> None:
        self.recorder, self.store, self.projections = recorder, store, projections
        self.hub, self.clock = hub, clock
        self.batch_size, self.idle_poll = batch_size, idle_poll
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.failures = 0

    def wake(self) -> None:
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="tessera-log-follower")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        backoff = 0.05
        while True:
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.idle_poll)
            except TimeoutError:
                pass
            self._wakeup.clear()
            try:
                await self.step()
                backoff = 0.05
            except Exception:  # noqa: BLE001 - retried; the batch was rolled back
                self.failures += 1
                log.exception("projection batch failed; retrying in %.2fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                self._wakeup.set()

    async def step(self) -> int:
        """Apply everything appended so far; return the position reached."""
        reached, frames, head = await asyncio.to_thread(self._catch_up)
        self.hub.publish(frames, watermark=reached)
        self.clock.advance(reached)
        for projection in self.projections:
            metrics.PROJECTION_POSITION.labels(projection.name).set(reached)
            metrics.PROJECTION_LAG.labels(projection.name).set(max(0, head - reached))
        return reached

    def _catch_up(self) -> tuple[int, list[Any], int]:
        reached, frames = catch_up(self.recorder, self.store, self.projections,
                                   batch_size=self.batch_size, live=True)
        return reached, frames, self.recorder.max_notification_id() or 0
