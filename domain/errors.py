"""Rule violations every context raises; the HTTP edge maps each to one error code."""
from __future__ import annotations


class DomainError(Exception):
    """A command was refused by a rule; `details` names the offending fields."""

    def __init__(self, message: str, details: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFoundError(DomainError):
    pass


class ConflictError(DomainError):
    pass


class ForbiddenError(DomainError):
    pass


class UnauthorizedError(DomainError):
    pass


class InvalidError(DomainError):
    pass


class TooLargeError(DomainError):
    pass


class InsufficientStockError(ConflictError):
    pass


class QuotaExceededError(DomainError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimitedError(DomainError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
