"""Refusals of the messaging channel."""

from __future__ import annotations

from domain.errors import ConflictError


class SessionStateError(ConflictError):
    def __init__(self, status: str, wanted: str) -> None:
        super().__init__(
            f"The session is {status}; it cannot become {wanted}", {"status": [status]}
        )


class MessageStateError(ConflictError):
    def __init__(self, status: str, wanted: str) -> None:
        super().__init__(
            f"The message is {status}; it cannot become {wanted}", {"status": [status]}
        )
