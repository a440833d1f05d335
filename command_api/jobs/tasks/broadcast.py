"""Broadcast job: one mail per active user over SMTP, batches sharing one connection.

After each batch the recipients' outcomes are saved as one event; a resumed broadcast skips
every recipient recorded, so only a batch in flight when a worker died can be mailed twice.
A temporary failure (server down, 4xx) ends the attempt; the retry resumes where it stopped.
"""
from __future__ import annotations

from typing import Any

from command_api.jobs.tasks.active_users import active_users
from infra.email import Delivery, Mail

BATCH = 100


def run(worker: Any, job: Any) -> dict[str, Any]:
    for page in active_users(worker.runtime.store, "id, email"):
        todo = [row["email"] for row in page if row["email"] not in job.recorded]
        for start in range(0, len(todo), BATCH):
            deliveries = worker.mailer.send_many(Mail(to, job.subject, job.body)
                                                 for to in todo[start:start + BATCH])
            record(worker, job, deliveries)
    return {"sent": job.sent, "failed": job.failed}


def record(worker: Any, job: Any, deliveries: list[Delivery]) -> None:
    sent = [d.to for d in deliveries if d.ok]
    failed = [{"email": d.to, "reason": d.error or "refused"} for d in deliveries if not d.ok and not d.temporary]
    job.record_deliveries(worker.id, sent, failed, worker.now(), worker.lease_seconds)
    worker.jobs.save(job)
    retry = [d for d in deliveries if d.temporary]
    if retry:
        raise RuntimeError(f"{len(retry)} deliveries failed temporarily, e.g. {retry[0].to}: {retry[0].error}")
