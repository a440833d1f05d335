"""Files uploaded into a conversation; messages refer to them by their URL."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate
from domain.chat.errors import InvalidContentError


class ChatAttachment(Aggregate):
    @classmethod
    def create_id(cls, attachment_id: UUID, **_: Any) -> UUID:  # type: ignore[override]
        return attachment_id

    @event("ChatAttachmentUploaded")
    def __init__(self, attachment_id: UUID, conversation_id: UUID, uploader_id: UUID, key: str,
                 name: str, content_type: str, size: int) -> None:
        self.conversation_id, self.uploader_id, self.key = conversation_id, uploader_id, key
        self.name, self.content_type, self.size = name, content_type, size

    def describe(self, type_message: str, content: dict[str, Any]) -> dict[str, Any]:
        """The message content with what the upload really is (not what the client said)."""
        if type_message == "image" and not self.content_type.startswith("image/"):
            raise InvalidContentError("content.url", "must be an image for type_message 'image'")
        return {**content, "attachment_id": str(self.id), "name": self.name,
                "content_type": self.content_type, "size": self.size}
