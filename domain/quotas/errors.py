"""Quotas' refusals."""
from __future__ import annotations

from domain.errors import QuotaExceededError


class DailyQuotaExceededError(QuotaExceededError):
    def __init__(self, action: str, retry_after: int) -> None:
        super().__init__(f"Daily quota for '{action}' exceeded", retry_after)
