"""Quota commands: one method each; consumption is serialised per (user, action, day)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import ClassVar
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder, Mapper

from domain.application import ContextApplication
from domain.concurrency import KeyedLocks, serialised
from domain.errors import NotFoundError
from domain.quotas.quota import QuotaLimit, QuotaStatus, QuotaUsage, next_reset


class QuotasApplication(ContextApplication):
    env: ClassVar[dict[str, str]] = {"PERSISTENCE_MODULE": "eventsourcing.popo", "AGGREGATE_CACHE_MAXSIZE": "10000"}

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID],
                 snapshots: AggregateRecorder | None = None) -> None:
        super().__init__(recorder, mapper, snapshots)
        self.locks = KeyedLocks()

    def set_limit(self, action: str, daily_limit: int | None) -> QuotaLimit:
        return serialised(self.locks, [("limit", action)], lambda: self._set_limit(action, daily_limit))

    def consume(self, user_id: UUID, action: str, amount: int, now: datetime) -> QuotaStatus:
        day = now.astimezone(UTC).date()
        key = (user_id, action, day)
        return serialised(self.locks, [key], lambda: self._consume(user_id, action, amount, now))

    def daily_limit(self, action: str) -> int | None:
        try:
            return self.load(QuotaLimit, QuotaLimit.id_for(action)).daily_limit
        except NotFoundError:
            return None

    def _set_limit(self, action: str, daily_limit: int | None) -> QuotaLimit:
        try:
            limit = self.load(QuotaLimit, QuotaLimit.id_for(action))
        except NotFoundError:
            limit = QuotaLimit(action, daily_limit)
        else:
            limit.change(daily_limit)
        self.save(limit)
        return limit

    def _consume(self, user_id: UUID, action: str, amount: int, now: datetime) -> QuotaStatus:
        daily_limit = self.daily_limit(action)
        usage = self._usage(user_id, action, now.astimezone(UTC).date())
        usage.consume(amount, daily_limit, now)
        self.save(usage)
        return QuotaStatus(action=action, used=usage.used, limit=daily_limit, resets_at=next_reset(now))

    def _usage(self, user_id: UUID, action: str, day: date) -> QuotaUsage:
        try:
            return self.load(QuotaUsage, QuotaUsage.id_for(user_id, action, day))
        except NotFoundError:
            return QuotaUsage(user_id, action, day)
