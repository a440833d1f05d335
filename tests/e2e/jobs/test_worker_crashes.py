"""A worker killed mid-job (production mode: `tessera worker` is its own process).

The job's lease runs out, a restarted worker claims it again and resumes from what was
recorded: the import creates each user once, the broadcast re-mails only its batch in flight.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from command_api.jobs.tasks.broadcast import BATCH as MAIL_BATCH
from tests.e2e.jobs.flows import (
    csv_bytes,
    finished,
    fresh_people,
    get_json,
    jpeg_bytes,
    post_file,
    wait_for_state,
)
from tests.fixtures import wait_until
from tests.fixtures.stack import Stack, start_production

UPLOAD = "/api/v1/contacts/upload-csv/"


@pytest.fixture(scope="module")
def crash_stack(smtp_server_session: Any, postgres_cluster: Any, kafka_broker: Any) -> Iterator[Stack]:
    """A production stack of this module's own: its users are the broadcast's recipients."""
    yield from start_production(postgres_cluster, kafka_broker.bootstrap, TESSERA_DB_POOL_SIZE="4",
                                TESSERA_SMTP_URL=smtp_server_session.url)


def import_people(stack: Stack, admin: str, people: list[tuple[str, ...]]) -> str:
    answer = post_file(stack, admin, UPLOAD, "people.csv", csv_bytes(people), "text/csv")
    assert answer.status_code == 202, answer.text
    return f"/api/v1/contacts/task-status/{answer.json()['task_id']}/"


def kill_worker_when(stack: Stack, admin: str, path: str, started: Any) -> dict[str, Any]:
    """Kill the worker once `started(body)`, then start a new one; the job's state at the kill."""
    wait_for_state(stack, admin, path, started, timeout=60)
    stack.kill("worker")
    at_kill = get_json(stack, admin, path)
    assert at_kill["status"] == "processing", f"the job ended before the kill: {at_kill}"
    stack.start("worker")
    return at_kill


def test_broadcast_resumes_without_re_mailing_recorded_recipients(crash_stack, smtp_server):
    admin = crash_stack.admin_token()
    wait_for_state(crash_stack, admin, import_people(crash_stack, admin, fresh_people(2000)), finished)
    smtp_server.clear()
    with crash_stack.client(admin) as http:
        answer = http.post("/api/v1/mail/broadcast/", json={"subject": "Crash course", "body": "Hi"})
    path = f"/api/v1/mail/broadcast/{answer.json()['id']}/"
    at_kill = kill_worker_when(crash_stack, admin, path, lambda body: body["sent"] >= MAIL_BATCH)
    final = wait_for_state(crash_stack, admin, path, finished, timeout=120)
    assert final["status"] == "done", final
    received = Counter(to for m in smtp_server.messages if m.message["Subject"] == "Crash course"
                       for to in m.rcpt_tos)
    twice = sum(n - 1 for n in received.values())
    assert final["sent"] == len(received) and final["failed"] == 0
    assert final["sent"] > at_kill["sent"] >= MAIL_BATCH
    assert twice <= MAIL_BATCH, f"{twice} recipients mailed twice; only one batch was in flight"
    print(f"broadcast killed at {at_kill['sent']} sent; {twice} in-flight mails re-sent")


def test_import_resumes_and_creates_each_user_once(crash_stack):
    admin = crash_stack.admin_token()
    people = fresh_people(10000)
    path = import_people(crash_stack, admin, people)
    at_kill = kill_worker_when(crash_stack, admin, path, lambda body: body["created"] > 0)
    final = wait_for_state(crash_stack, admin, path, finished, timeout=120)
    assert final["status"] == "done", final
    assert (final["total"], final["created"], final["skipped"], final["errors"]) == (10000, 10000, 0, [])
    assert 0 < at_kill["created"] < 10000
    search = f"/api/v1/users/?search=imp-{people[0][0].split('-')[1]}-&page_size=1"
    wait_until(lambda: get_json(crash_stack, admin, search)["count"] == 10000, timeout=60,
               message="the 10,000 users in the directory (one each: emails are unique there)")


def audit_count(stack: Stack, admin: str, job_id: str, action: str) -> int:
    return get_json(stack, admin, f"/api/v1/audit/?aggregate_id={job_id}&action={action}")["count"]


def test_two_worker_replicas_run_each_job_once(crash_stack):
    crash_stack.define("worker2", ["worker"], crash_stack.logs["worker"].with_name("worker2.log"))
    crash_stack.start("worker2")
    try:
        user, admin = crash_stack.new_user(), crash_stack.admin_token()
        ids = [post_file(crash_stack, user["token"], "/api/v1/images/", f"p{n}.jpg", jpeg_bytes()).json()["id"]
               for n in range(16)]
        for image_id in ids:
            image = wait_for_state(crash_stack, user["token"], f"/api/v1/images/{image_id}/", finished)
            assert image["status"] == "ready", image
        for image_id in ids:  # the audit log has the end, so it has every start before it too
            wait_until(lambda job=image_id: audit_count(crash_stack, admin, job, "JobCompleted") == 1,
                       timeout=30)
            assert audit_count(crash_stack, admin, image_id, "JobStarted") == 1
    finally:
        crash_stack.stop("worker2")
