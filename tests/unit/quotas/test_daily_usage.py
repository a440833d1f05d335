"""Daily quotas on the application alone: limits, refusals, the UTC-day reset, concurrency."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.popo import POPOApplicationRecorder

from domain.errors import QuotaExceededError
from domain.quotas.application import QuotasApplication
from domain.quotas.quota import next_reset, seconds_until_reset
from infra.eventstore import GroupCommitRecorder, MsgspecMapper

LATE = datetime(2026, 1, 31, 23, 59, 30, tzinfo=UTC)


@pytest.fixture
def quotas() -> QuotasApplication:
    return QuotasApplication(GroupCommitRecorder(POPOApplicationRecorder()), MsgspecMapper())


def test_over_the_limit_is_refused_with_the_seconds_to_midnight(quotas):
    user = uuid.uuid4()
    quotas.set_limit("upload", 2)
    assert quotas.consume(user, "upload", 2, LATE).remaining == 0
    with pytest.raises(QuotaExceededError) as refused:
        quotas.consume(user, "upload", 1, LATE)
    assert refused.value.retry_after == 30


def test_usage_resets_at_midnight_utc_without_rewriting_anything(quotas):
    user = uuid.uuid4()
    quotas.set_limit("upload", 1)
    quotas.consume(user, "upload", 1, LATE)
    tomorrow = quotas.consume(user, "upload", 1, LATE + timedelta(seconds=30))
    assert (tomorrow.used, tomorrow.resets_at) == (1, datetime(2026, 2, 2, tzinfo=UTC))


def test_no_limit_means_unlimited_and_a_removed_limit_too(quotas):
    user = uuid.uuid4()
    assert quotas.consume(user, "export", 1000, LATE).limit is None
    quotas.set_limit("export", 1000)
    with pytest.raises(QuotaExceededError):
        quotas.consume(user, "export", 1, LATE)
    quotas.set_limit("export", None)
    assert quotas.consume(user, "export", 1, LATE).used == 1001


def test_concurrent_consumption_never_exceeds_the_limit(quotas):
    user = uuid.uuid4()
    quotas.set_limit("api", 10)

    def consume(_: int) -> bool:
        try:
            quotas.consume(user, "api", 1, LATE)
        except QuotaExceededError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert sum(pool.map(consume, range(40))) == 10


def test_reset_instants():
    assert next_reset(datetime(2026, 3, 1, 0, 0, tzinfo=UTC)) == datetime(2026, 3, 2, tzinfo=UTC)
    assert seconds_until_reset(datetime(2026, 3, 1, 23, 59, 59, 500000, tzinfo=UTC)) == 1
