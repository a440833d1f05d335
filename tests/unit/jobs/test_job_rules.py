"""The Job aggregate's rules: claims and leases, retries with backoff, the final failure."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.jobs.broadcast import Broadcast
from domain.jobs.contacts_import import MAX_REPORTED_ERRORS, ContactsImport
from domain.jobs.errors import JobNotClaimableError, LeaseLostError
from domain.jobs.job import MAX_ATTEMPTS, Report

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def test_a_claim_starts_an_attempt_with_a_lease():
    report = Report(uuid.uuid4())
    assert report.status == "pending"
    assert report.claim("w1", NOW, 10) is True
    assert (report.status, report.worker, report.attempts, report.lease_until) == ("processing", "w1", 1, later(10))


def test_a_live_lease_cannot_be_claimed_an_expired_one_can():
    report = Report(uuid.uuid4())
    report.claim("w1", NOW, 10)
    with pytest.raises(JobNotClaimableError):
        report.claim("w2", later(5), 10)
    assert report.claim("w2", later(11), 10) is True
    assert (report.worker, report.attempts) == ("w2", 2)
    with pytest.raises(LeaseLostError):
        report.complete("w1", {"rows": 1})


def test_a_failed_attempt_retries_with_growing_backoff_then_fails_for_good():
    report = Report(uuid.uuid4())
    delays = []
    moment = NOW
    for _ in range(MAX_ATTEMPTS - 1):
        report.claim("w", moment, 10)
        report.attempt_failed("w", "boom", moment)
        assert report.status == "pending" and report.error == "boom"
        delays.append((report.retry_at - moment).total_seconds())
        with pytest.raises(JobNotClaimableError):
            report.claim("w", moment, 10)
        moment = report.retry_at
    assert delays == sorted(delays) and delays[0] < delays[-1]
    report.claim("w", moment, 10)
    report.attempt_failed("w", "boom again", moment)
    assert (report.status, report.error) == ("failed", "boom again")
    with pytest.raises(JobNotClaimableError):
        report.claim("w", later(3600), 10)


def test_a_final_error_fails_at_once():
    report = Report(uuid.uuid4())
    report.claim("w", NOW, 10)
    report.attempt_failed("w", "bad file", NOW, final=True)
    assert report.status == "failed"


def test_a_job_whose_workers_keep_dying_is_given_up():
    report = Report(uuid.uuid4())
    moment = NOW
    for _ in range(MAX_ATTEMPTS):
        assert report.claim("w", moment, 10) is True
        moment += timedelta(seconds=11)
    assert report.claim("w", moment, 10) is False
    assert report.status == "failed" and "worker lost" in report.error


def test_completion_is_done_and_final():
    report = Report(uuid.uuid4())
    report.claim("w", NOW, 10)
    report.complete("w", {"rows": 3})
    assert (report.status, report.result) == ("done", {"rows": 3})
    with pytest.raises(JobNotClaimableError):
        report.claim("w", later(60), 10)


def test_import_progress_adds_up_and_keeps_a_bounded_error_list():
    job = ContactsImport(uuid.uuid4(), "jobs/x/c.csv", "c.csv")
    job.claim("w", NOW, 10)
    errors = [{"row": n, "error": "email: required"} for n in range(2, MAX_REPORTED_ERRORS + 102)]
    job.record_batch("w", 2000, 800, 100, errors, NOW, 10)
    job.record_batch("w", 2500, 500, 0, errors[:5], later(1), 10)
    assert (job.rows_done, job.created, job.skipped, job.invalid) == (2500, 1300, 100, len(errors) + 5)
    assert len(job.errors) == MAX_REPORTED_ERRORS
    assert job.lease_until == later(11)


def test_broadcast_remembers_every_recorded_recipient():
    job = Broadcast(uuid.uuid4(), "Hi", "Body")
    job.claim("w", NOW, 10)
    job.record_deliveries("w", ["a@x.test", "b@x.test"], [{"email": "c@x.test", "reason": "550 no"}], NOW, 10)
    assert (job.sent, job.failed, job.recorded) == (2, 1, {"a@x.test", "b@x.test", "c@x.test"})
    with pytest.raises(LeaseLostError):
        job.record_deliveries("other", ["d@x.test"], [], NOW, 10)
