"""Daily quotas: one limit per action, one usage aggregate per (user, action, UTC day).

A new UTC day is a new usage aggregate (its id is derived from the day), so usage resets at
00:00 UTC without anything rewriting stored data.
"""
from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

import msgspec
from eventsourcing.domain import event

from domain.aggregate import Aggregate, stable_id
from domain.quotas.errors import DailyQuotaExceededError


def next_reset(now: datetime) -> datetime:
    """The next 00:00 UTC after `now`."""
    today = now.astimezone(UTC).date()
    return datetime.combine(today + timedelta(days=1), time(0), tzinfo=UTC)


def seconds_until_reset(now: datetime) -> int:
    return max(1, math.ceil((next_reset(now) - now).total_seconds()))


class QuotaLimit(Aggregate):
    @staticmethod
    def id_for(action: str) -> UUID:
        return stable_id("quota-limit", action)

    @classmethod
    def create_id(cls, action: str, daily_limit: int | None) -> UUID:  # type: ignore[override]
        return cls.id_for(action)

    @event("QuotaLimitSet")
    def __init__(self, action: str, daily_limit: int | None) -> None:
        self.action = action
        self.daily_limit = daily_limit

    @event("QuotaLimitChanged")
    def change(self, daily_limit: int | None) -> None:
        self.daily_limit = daily_limit


class QuotaUsage(Aggregate):
    @staticmethod
    def id_for(user_id: UUID, action: str, day: date) -> UUID:
        return stable_id("quota-usage", f"{user_id}:{action}:{day.isoformat()}")

    @classmethod
    def create_id(cls, user_id: UUID, action: str, day: date) -> UUID:  # type: ignore[override]
        return cls.id_for(user_id, action, day)

    @event("QuotaUsageOpened")
    def __init__(self, user_id: UUID, action: str, day: date) -> None:
        self.user_id = user_id
        self.action = action
        self.day = day
        self.used = 0

    def consume(self, amount: int, daily_limit: int | None, now: datetime) -> None:
        """Take `amount` of today's allowance, or refuse and take nothing."""
        if daily_limit is not None and self.used + amount > daily_limit:
            raise DailyQuotaExceededError(self.action, seconds_until_reset(now))
        self._consumed(amount, self.used + amount)

    @event("QuotaConsumed")
    def _consumed(self, amount: int, used: int) -> None:
        self.used = used


class QuotaStatus(msgspec.Struct, frozen=True, kw_only=True):
    """What a user has used of one action today, against its limit (None: unlimited)."""

    action: str
    used: int
    limit: int | None
    resets_at: datetime

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)
