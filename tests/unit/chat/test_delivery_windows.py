"""Delivery receipts are saved per conversation, a window after each one's first delivery."""
from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from uuid import uuid4

from query_api.chat import delivery
from query_api.chat.delivery import WINDOW, DeliveryReceipts


def test_a_conversation_is_due_a_window_after_its_first_delivery_with_its_newest_ones():
    receipts = DeliveryReceipts(settings=None)
    early, late, user = uuid4(), uuid4(), uuid4()
    newer, other = uuid4(), uuid4()
    receipts.pending = {early: {user: newer}, late: {user: other}}
    receipts.since = {early: 10.0, late: 10.0 + WINDOW / 2}

    assert receipts.due(10.0 + WINDOW - 0.01) == {}
    assert receipts.due(10.0 + WINDOW) == {early: {user: newer}}
    assert receipts.pending == {late: {user: other}} and list(receipts.since) == [late]
    assert receipts.due(10.0 + WINDOW * 1.5) == {late: {user: other}}
    assert receipts.pending == {} and receipts.since == {}


def test_conversations_whose_windows_began_apart_are_saved_apart(monkeypatch):
    """Saving every conversation at once made one projector batch carry all their receipts."""
    monkeypatch.setattr(delivery, "WINDOW", 0.1)
    monkeypatch.setattr(delivery, "TICK", 0.01)
    saved: list[set] = []

    async def execute(command, batches):
        saved.append(set(batches))

    runtime = SimpleNamespace(execute=execute, app=lambda cls: SimpleNamespace(record_deliveries=None))
    a, b, user = uuid4(), uuid4(), uuid4()

    async def scenario() -> None:
        receipts = DeliveryReceipts(settings=None)
        receipts.note(runtime, a, user, uuid4())
        await asyncio.sleep(0.05)
        receipts.note(runtime, b, user, uuid4())
        receipts.note(runtime, a, user, uuid4())  # same window as a's first
        started = time.monotonic()
        while len(saved) < 2 and time.monotonic() - started < 2:
            await asyncio.sleep(0.01)
        await receipts.aclose()

    asyncio.run(scenario())
    assert saved == [{a}, {b}]
