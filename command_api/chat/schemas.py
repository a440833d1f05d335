"""Request bodies of chat commands (CONTRACT §5.4), validated at the edge."""
from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

UserIds = Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=200)]
Name = Annotated[str, msgspec.Meta(max_length=200)]
MessageType = Literal["text", "image", "link", "file"]


class StartConversation(msgspec.Struct, forbid_unknown_fields=True):
    user_ids: UserIds
    name: Name | None = None


class PostMessage(msgspec.Struct, forbid_unknown_fields=True):
    type_message: MessageType
    content: dict[str, Any]


class SendLegacyMessage(msgspec.Struct, forbid_unknown_fields=True):
    """The older API's `messages/send/` body: a post naming its conversation as `room_id`."""

    room_id: UUID
    type_message: MessageType
    content: dict[str, Any]
