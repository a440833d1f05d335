"""Chat commands: one method each."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.application import ContextApplication
from domain.chat.attachment import ChatAttachment
from domain.chat.conversation import Conversation, others_of
from domain.chat.errors import (
    ConversationNotFoundError,
    InvalidContentError,
    InvalidParticipantsError,
    MessageNotFoundError,
)
from domain.chat.message import ChatMessage, attachment_reference, checked_content
from domain.chat.receipt import ChatDelivery, ChatReading, Delivery
from domain.errors import NotFoundError

PARTICIPANTS_CACHED = 100_000


class ChatApplication(ContextApplication):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._participants: dict[UUID, frozenset[UUID]] = {}

    def start_conversation(self, caller: UUID, user_ids: list[UUID], name: str | None,
                           known_users: set[UUID]) -> tuple[Conversation, bool]:
        """The conversation, and whether it is new (a private one may already exist)."""
        others = others_of(caller, user_ids)
        if unknown := [str(u) for u in others if u not in known_users]:
            raise InvalidParticipantsError(f"names unknown users: {', '.join(unknown)}")
        if len(others) > 1:
            conversation = Conversation.group(caller, others, name)
            self.save(conversation)
            return conversation, True
        existing = Conversation.private_id(caller, others[0])
        if self.exists(existing):
            return self.load(Conversation, existing), False
        try:
            conversation = Conversation.private(caller, others[0])
            self.save(conversation)
        except IntegrityError:
            return self.load(Conversation, existing), False
        return conversation, True

    def post_message(self, conversation_id: UUID, sender_id: UUID, type_message: str,
                     content: dict[str, Any]) -> tuple[ChatMessage, frozenset[UUID]]:
        """The message, and the conversation's participants (who will receive it)."""
        participants = self.authorize(conversation_id, sender_id)
        content = checked_content(type_message, content)
        if (attachment_id := attachment_reference(content.get("url"))) is not None:
            content = self._attachment(conversation_id, attachment_id).describe(type_message, content)
        message = ChatMessage(conversation_id, sender_id, type_message, content)
        self.save(message)
        return message, participants

    def upload_attachment(self, attachment_id: UUID, conversation_id: UUID, uploader_id: UUID,
                          key: str, name: str, content_type: str, size: int) -> ChatAttachment:
        self.authorize(conversation_id, uploader_id)
        attachment = ChatAttachment(attachment_id, conversation_id, uploader_id, key, name,
                                    content_type, size)
        self.save(attachment)
        return attachment

    def mark_read(self, message_id: UUID, user_id: UUID, within: UUID | None = None) -> ChatReading:
        """`within`: the conversation it must belong to (a chat socket's own); a read sent on
        one conversation's socket marked a message of another the user is in."""
        try:
            message = self.load(ChatMessage, message_id)
            if within is not None and message.conversation_id != within:
                raise MessageNotFoundError()
            self.authorize(message.conversation_id, user_id)
        except NotFoundError:
            raise MessageNotFoundError() from None
        reading = ChatReading(message.conversation_id, message_id, user_id)
        self.save(reading)
        return reading

    def record_deliveries(self, batches: dict[UUID, list[tuple[UUID, UUID]]]) -> None:
        """Deliveries `(user_id, message_id)` per conversation, seen by the push service or by
        a history read of a participant: one event per conversation, all in one save."""
        self.save(*(ChatDelivery(conversation_id, [Delivery(u, m) for u, m in deliveries])
                    for conversation_id, deliveries in batches.items() if deliveries))

    def authorize(self, conversation_id: UUID, user_id: UUID) -> frozenset[UUID]:
        """The conversation's participants, if `user_id` is one of them; else not found."""
        participants = self._participants.get(conversation_id)
        if participants is None:
            try:
                conversation = self.load(Conversation, conversation_id)
            except NotFoundError:
                raise ConversationNotFoundError() from None
            if len(self._participants) >= PARTICIPANTS_CACHED:
                self._participants.clear()
            participants = self._participants[conversation_id] = frozenset(conversation.participant_ids)
        if user_id not in participants:
            raise ConversationNotFoundError()
        return participants

    def _attachment(self, conversation_id: UUID, attachment_id: UUID) -> ChatAttachment:
        try:
            attachment = self.load(ChatAttachment, attachment_id)
        except NotFoundError:
            attachment = None
        if attachment is None or attachment.conversation_id != conversation_id:
            raise InvalidContentError("content.url", "names no attachment of this conversation")
        return attachment
