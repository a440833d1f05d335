"""The worker over a real (SQLite) store: one run per job, retries with backoff, lease recovery."""
from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from command_api.jobs.runner import INTERNAL_FAILURE, Worker
from domain.jobs.application import JobsApplication
from domain.jobs.job import MAX_ATTEMPTS, Job
from infra.config import load_settings
from infra.runtime import Runtime
from projectors.runtime import catch_up


class ClockedWorker(Worker):
    """A worker whose clock the test moves."""

    moment = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return ClockedWorker.moment


@pytest.fixture
def runtime(tmp_path):
    ClockedWorker.moment = datetime.now(UTC)
    runtime = Runtime(load_settings({}, data_dir=str(tmp_path)), embedded_bus=False).open_storage()
    yield runtime
    runtime.store.close()


def missing_image(runtime: Runtime) -> uuid.UUID:
    jobs = runtime.app(JobsApplication)
    return jobs.upload_image(uuid.uuid4(), "jobs/nowhere/gone.jpg", "gone.jpg", "image/jpeg", 10).id


def project(runtime: Runtime) -> None:
    catch_up(runtime.recorder.inner, runtime.store, runtime.projections)


def test_a_failing_job_is_retried_with_backoff_then_failed_with_its_error_logged(runtime, caplog):
    """The job's `error` is for its owner: the exception's own text (storage URLs, hosts) is
    only logged."""
    caplog.set_level(logging.WARNING, logger="tessera.jobs")
    worker, job_id = ClockedWorker(runtime), missing_image(runtime)
    for _ in range(MAX_ATTEMPTS - 1):
        assert worker.run_job(job_id) == "pending"
        assert worker.run_job(job_id) is None  # not due yet
        project(runtime)
        assert worker.due_jobs() == []
        ClockedWorker.moment = runtime.app(JobsApplication).load(Job, job_id).retry_at
        project(runtime)
        assert worker.due_jobs() == [job_id]
    assert worker.run_job(job_id) == "failed"
    job = runtime.app(JobsApplication).load(Job, job_id)
    assert job.status == "failed" and job.error == INTERNAL_FAILURE and job.attempts == MAX_ATTEMPTS
    logged = f"job {job_id} attempt {MAX_ATTEMPTS} failed: StoredObjectMissing('jobs/nowhere/gone.jpg')"
    assert logged in caplog.text


def test_two_workers_claiming_at_once_run_the_job_once(runtime):
    job_id = runtime.app(JobsApplication).request_report(uuid.uuid4()).id
    workers = [ClockedWorker(runtime) for _ in range(8)]
    outcomes: list[str | None] = []
    barrier = threading.Barrier(len(workers))

    def race(worker: Worker) -> None:
        barrier.wait()
        outcomes.append(worker.run_job(job_id))

    threads = [threading.Thread(target=race, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (outcomes.count("done"), outcomes.count(None)) == (1, len(workers) - 1)
    assert runtime.app(JobsApplication).load(Job, job_id).attempts == 1


def test_a_job_whose_worker_died_is_swept_up_after_its_lease(runtime):
    jobs, job_id = runtime.app(JobsApplication), runtime.app(JobsApplication).request_report(uuid.uuid4()).id
    dead = ClockedWorker(runtime)
    assert jobs.claim(job_id, dead.id, dead.now(), dead.lease_seconds) is not None
    survivor = ClockedWorker(runtime)
    project(runtime)
    assert survivor.due_jobs() == []
    ClockedWorker.moment += timedelta(seconds=survivor.lease_seconds + 1)
    assert survivor.due_jobs() == [job_id]
    assert survivor.run_job(job_id) == "done"
    assert jobs.load(Job, job_id).attempts == 2


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_queued_running_and_durations(runtime):
    worker = ClockedWorker(runtime)
    job_id = runtime.app(JobsApplication).request_report(uuid.uuid4()).id
    project(runtime)
    ClockedWorker.moment += timedelta(seconds=5)
    finished_before = sample("tessera_job_duration_seconds_count", kind="report")
    assert worker.due_jobs() == [job_id]
    assert sample("tessera_jobs", kind="report", status="queued") == 1
    assert worker.run_job(job_id) == "done"
    project(runtime)
    worker.due_jobs()
    assert sample("tessera_jobs", kind="report", status="queued") == 0
    assert sample("tessera_jobs", kind="report", status="running") == 0
    assert sample("tessera_job_duration_seconds_count", kind="report") == finished_before + 1
