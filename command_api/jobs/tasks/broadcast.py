"""Broadcast job: one mail per active user over SMTP, each connection reused for many mails.

A batch is split over `SENDERS` connections sent at once (one builds messages while another
waits for the server).

After each batch the recipients' outcomes are saved as one event; a resumed broadcast skips
every recipient recorded, so only a batch in flight when a worker died can be mailed twice.
A temporary failure (server down, 4xx) ends the attempt; the retry resumes where it stopped.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from command_api.jobs.tasks.active_users import active_users
from infra.email import Delivery, Mail

BATCH = 100
SENDERS = 2


def run(worker: Any, job: Any) -> dict[str, Any]:
    with ThreadPoolExecutor(SENDERS, thread_name_prefix="tessera-mail") as senders:
        for page in active_users(worker.runtime.store, "id, email"):
            todo = [row["email"] for row in page if row["email"] not in job.recorded]
            for start in range(0, len(todo), BATCH):
                record(worker, job, send(worker.mailer, senders, job, todo[start:start + BATCH]))
    return {"sent": job.sent, "failed": job.failed}


def send(mailer: Any, senders: ThreadPoolExecutor, job: Any, recipients: list[str]) -> list[Delivery]:
    """One batch, split over the senders' connections; deliveries in no particular order."""
    parts = [recipients[n::SENDERS] for n in range(SENDERS) if recipients[n::SENDERS]]
    sent = senders.map(lambda part: mailer.send_many(Mail(to, job.subject, job.body) for to in part), parts)
    return [delivery for part in sent for delivery in part]


def record(worker: Any, job: Any, deliveries: list[Delivery]) -> None:
    sent = [d.to for d in deliveries if d.ok]
    failed = [{"email": d.to, "reason": d.error or "refused"} for d in deliveries if not d.ok and not d.temporary]
    job.record_deliveries(worker.id, sent, failed, worker.now(), worker.lease_seconds)
    worker.jobs.save(job)
    retry = [d for d in deliveries if d.temporary]
    if retry:
        raise RuntimeError(f"{len(retry)} deliveries failed temporarily, e.g. {retry[0].to}: {retry[0].error}")
