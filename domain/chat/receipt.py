"""Receipts: facts appended once, never loaded, so acknowledging never contends.

A delivery or a read of a message stands for that participant's whole conversation up to the
message (a cursor, like most messengers keep): the read model only ever moves it forward, so a
late, repeated or out-of-order receipt changes nothing. One `ChatMessagesDelivered` carries
every participant a push process delivered to within its flush window.
"""
from __future__ import annotations

from uuid import UUID

import msgspec
from eventsourcing.domain import event

from domain.aggregate import Aggregate


class Delivery(msgspec.Struct, frozen=True):
    user_id: UUID
    message_id: UUID


class ChatDelivery(Aggregate):
    @event("ChatMessagesDelivered")
    def __init__(self, conversation_id: UUID, deliveries: list[Delivery]) -> None:
        self.conversation_id, self.deliveries = conversation_id, deliveries


class ChatReading(Aggregate):
    @event("ChatMessageRead")
    def __init__(self, conversation_id: UUID, message_id: UUID, user_id: UUID) -> None:
        self.conversation_id, self.message_id, self.user_id = conversation_id, message_id, user_id


STATUSES = ("sent", "delivered", "read")


def participant_status(message_key: str, delivered_key: str, read_key: str) -> str:
    """One participant's status of a message, from their cursors (keys sort like messages)."""
    if read_key >= message_key:
        return "read"
    return "delivered" if delivered_key >= message_key else "sent"


def message_status(message_key: str, sender_id: str, cursors: dict[str, tuple[str, str]]) -> str:
    """The least advanced status among the recipients (`cursors`: user → (delivered, read))."""
    found = [participant_status(message_key, *keys) for user, keys in cursors.items() if user != sender_id]
    return min(found, key=STATUSES.index, default="sent")
