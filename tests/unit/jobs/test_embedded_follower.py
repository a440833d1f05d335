"""The embedded worker follows the log for new jobs and moves past everything it looked at."""
from __future__ import annotations

import uuid

import pytest

from domain.acting import acting_as
from domain.jobs.application import JobsApplication
from domain.tenancy.application import TenancyApplication
from infra.config import load_settings
from infra.runtime import Runtime
from infra.worker import EmbeddedWorker


class OfferedJobs:
    def __init__(self) -> None:
        self.offered: list[uuid.UUID] = []

    def offer(self, job_id: uuid.UUID) -> bool:
        self.offered.append(job_id)
        return True


@pytest.fixture
def follower(tmp_path):
    runtime = Runtime(load_settings({}, data_dir=str(tmp_path)), embedded_bus=False).open_storage()
    worker = EmbeddedWorker(runtime)
    worker.worker.close()
    worker.worker = OfferedJobs()
    yield runtime, worker
    runtime.store.close()


def other_events(runtime: Runtime) -> None:
    tenancy, owner = runtime.app(TenancyApplication), uuid.uuid4()
    with acting_as(owner):
        tenancy.create_tenant("Acme", f"acme-{uuid.uuid4().hex[:6]}", owner)


def test_a_round_without_jobs_still_moves_to_the_head_of_the_log(follower):
    runtime, worker = follower
    other_events(runtime)
    head = runtime.recorder.inner.max_notification_id()
    assert worker._follow(0) == head
    assert worker.worker.offered == []


def test_jobs_after_the_head_are_offered_once(follower):
    runtime, worker = follower
    other_events(runtime)
    after = worker._follow(0)
    job = runtime.app(JobsApplication).upload_image(uuid.uuid4(), "jobs/a.jpg", "a.jpg", "image/jpeg", 10)
    after = worker._follow(after)
    assert worker.worker.offered == [job.id]
    assert worker._follow(after) == after
    assert worker.worker.offered == [job.id]
