"""Chat's refusals."""
from domain.errors import InvalidError, NotFoundError


class ConversationNotFoundError(NotFoundError):
    """Also what a non-participant is told, so conversation ids reveal nothing."""

    def __init__(self) -> None:
        super().__init__("Conversation not found")


class MessageNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Message not found")


class InvalidParticipantsError(InvalidError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"Field 'user_ids' {reason}", {"user_ids": [reason]})


class InvalidContentError(InvalidError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"Field '{field}' {reason}", {field: [reason]})
