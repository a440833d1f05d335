"""Delivery receipts seen by this push process, recorded in one command per short window.

A message frame that reached a participant's socket is a delivery. Recording each one as its
own command would cost a store write per recipient per message; instead the newest message
per (conversation, participant) is kept for `WINDOW` seconds and the lot goes to
`ChatApplication.record_deliveries` in one save. A quarter second is below what a person
notices in a tick, and at 200 messages/s into groups of 20 it makes deliveries a fraction
of the store's writes and of the chat projection's work instead of most of it. A failed save keeps its deliveries for the
next window (the read model ignores anything older than what it has).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

from domain.chat.application import ChatApplication
from infra.config import Settings

log = logging.getLogger("tessera.chat.delivery")
WINDOW = 0.25


class DeliveryReceipts:
    """Built by `runtime.resource(DeliveryReceipts)`."""

    def __init__(self, settings: Settings) -> None:
        self.pending: dict[UUID, dict[UUID, UUID]] = {}
        self._task: asyncio.Task[None] | None = None

    def note(self, runtime: Any, conversation_id: UUID, user_id: UUID, message_id: UUID) -> None:
        self.pending.setdefault(conversation_id, {})[user_id] = message_id
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_while_pending(runtime))

    async def _flush_while_pending(self, runtime: Any) -> None:
        while self.pending:
            await asyncio.sleep(WINDOW)
            batches, self.pending = self.pending, {}
            chat = runtime.app(ChatApplication)
            try:
                await runtime.execute(chat.record_deliveries,
                                      {c: sorted(users.items()) for c, users in batches.items()})
            except Exception as error:  # noqa: BLE001 - kept for the next window, not lost
                log.warning("delivery receipts not recorded (%r); retrying", error)
                for conversation, users in batches.items():
                    for user, message in users.items():
                        self.pending.setdefault(conversation, {}).setdefault(user, message)
                await asyncio.sleep(1.0)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
