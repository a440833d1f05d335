"""Conversations: who takes part, nothing else, so posting never loads a long history.

A private conversation's id is derived from its two participants, so starting it twice (even
concurrently) finds the same one; a group gets a fresh id each time. Participants never change
after the start, which lets the application cache them per process.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.aggregate import Aggregate, stable_id
from domain.chat.errors import ConversationNotFoundError, InvalidParticipantsError

PRIVATE, GROUP = "private", "group"
MAX_OTHERS = 200


def others_of(caller: UUID, user_ids: list[UUID]) -> list[UUID]:
    """The distinct users besides the caller, checked for a conversation's size."""
    others = sorted(set(user_ids) - {caller}, key=str)
    if not others:
        raise InvalidParticipantsError("must name at least one other user")
    if len(others) > MAX_OTHERS:
        raise InvalidParticipantsError(f"must name at most {MAX_OTHERS} users")
    return others


class Conversation(Aggregate):
    @staticmethod
    def private_id(one: UUID, other: UUID) -> UUID:
        return stable_id("conversation", ":".join(sorted((str(one), str(other)))))

    @classmethod
    def create_id(cls, conversation_id: UUID, **_: Any) -> UUID:  # type: ignore[override]
        return conversation_id

    @classmethod
    def private(cls, caller: UUID, other: UUID) -> Conversation:
        return cls(cls.private_id(caller, other), PRIVATE, None, caller, [caller, other])

    @classmethod
    def group(cls, caller: UUID, others: list[UUID], name: str | None) -> Conversation:
        return cls(uuid4(), GROUP, name, caller, [caller, *others])

    @event("ConversationStarted")
    def __init__(self, conversation_id: UUID, kind: str, name: str | None, creator_id: UUID,
                 participant_ids: list[UUID]) -> None:
        self.kind, self.name, self.creator_id = kind, name, creator_id
        self.participant_ids = list(participant_ids)

    def authorize(self, user_id: UUID) -> None:
        if user_id not in self.participant_ids:
            raise ConversationNotFoundError()
