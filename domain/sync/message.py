"""What crosses the bridge: one object change, named by the event that caused it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec


class SyncMessage(msgspec.Struct, frozen=True, kw_only=True):
    event_id: UUID
    apps: dict[str, Any]
    obj_type: str
    obj_data: dict[str, Any]
    obj_cmd: str

    @property
    def obj_id(self) -> str:
        return str(self.obj_data["id"])


class SentMessage(msgspec.Struct, frozen=True):
    """An outbound message SQS accepted: the queue it went to and the id SQS gave it."""

    message: SyncMessage
    queue: str
    message_id: str
