"""The provider behind the messaging channel, and its stub for development and tests.

A real driver holds a connection to a WhatsApp-style provider and reports what happens on
it (a QR code to scan, the phone linked, a message delivered or read, a message arriving);
each report is a command, so the session's state lives in events, not in the driver.
The stub reports the same things by itself: a real QR code image (PNG, base64) that is
"scanned" after `scan_delay`, and sent messages acknowledged sent → delivered → read.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import secrets
from collections.abc import Awaitable
from typing import Any
from uuid import UUID

from domain.channels.application import ChannelsApplication
from domain.errors import ConflictError
from infra.config import Settings

log = logging.getLogger("tessera.channels")


def qrcode_png_b64(payload: str) -> str:
    import segno

    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=6, border=4)
    return base64.b64encode(buffer.getvalue()).decode()


class StubDriver:
    """Built once per command service by `runtime.resource(StubDriver)`."""

    def __init__(
        self, settings: Settings, scan_delay: float = 0.2, ack_delay: float = 0.05
    ) -> None:
        self.scan_delay, self.ack_delay = scan_delay, ack_delay
        self.tasks: set[asyncio.Task[None]] = set()

    def connect(self, runtime: Any) -> None:
        self._spawn(self._link(runtime))

    def send(self, runtime: Any, message_id: UUID, session_status: str) -> None:
        self._spawn(self._deliver(runtime, message_id, session_status))

    async def _link(self, runtime: Any) -> None:
        channels = runtime.app(ChannelsApplication)
        image = await asyncio.to_thread(qrcode_png_b64, f"tessera-link:{secrets.token_urlsafe(24)}")
        await runtime.execute(channels.show_qrcode, image)
        await asyncio.sleep(self.scan_delay)
        await runtime.execute(channels.authenticate_session)
        await runtime.execute(channels.make_session_ready)

    async def _deliver(self, runtime: Any, message_id: UUID, session_status: str) -> None:
        channels = runtime.app(ChannelsApplication)
        if session_status != "ready":
            await runtime.execute(channels.fail_message, message_id, f"session is {session_status}")
            return
        for status in ("sent", "delivered", "read"):
            await asyncio.sleep(self.ack_delay)
            await runtime.execute(channels.advance_message, message_id, status)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(_reported(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def aclose(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def _reported(work: Awaitable[None]) -> None:
    try:
        await work
    except ConflictError as stale:  # the session was ended or moved on meanwhile
        log.info("channel driver step dropped: %s", stale.message)
    except Exception:  # a background task: its failure is logged, not lost
        log.exception("channel driver step failed")
