"""Mail that must not be lost: a row per mail, written before the command answers, sent by a
sender thread of every process that writes such rows.

A mail sent from memory is lost when the mail server is down longer than its retries or the
process dies first. Here the request only stores what to send (`kind`, whom it is about) and
the sender composes the mail when it sends it: a mailed token is made then, from the state the
subject has then, so no token waits in a table and a mail that is no longer wanted (an address
confirmed meanwhile, an account deactivated) is dropped rather than sent.

Senders claim due rows for a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one
writer), so two processes never send one row at once; a sender that dies holding rows leaves
them to whoever claims them once the lease runs out. A mail is sent at least once: a crash
between the server's acceptance and the row's removal sends it again. Temporary failures are
retried with backoff until the mail is `give_up_after` old for its kind, then logged and
dropped (the address masked). Mails waiting longer than `late_after` are named in
`health/ready/` (`lateness`).
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from infra.email import Mail, Mailer, masked

log = logging.getLogger("tessera.email")

TABLES = [
    """CREATE TABLE IF NOT EXISTS mail_outbox (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject_id TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL, due_at DOUBLE PRECISION NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS mail_outbox_due_at ON mail_outbox (due_at)",
]
LEASE_SECONDS = 60.0  # a claimed row's sender has this long before another may take it
POLL_SECONDS = 2.0  # how often a sender looks for rows others left (retries, dead senders)
FIRST_RETRY_SECONDS, LONGEST_RETRY_SECONDS = 5.0, 300.0
BATCH = 100


@dataclass(frozen=True)
class Queued:
    """A stored mail: what kind of mail, about whom, since when, and how often it was tried."""

    id: str
    kind: str
    subject_id: str
    created_at: float
    attempts: int


# What to send for a stored mail now, or None when it is no longer wanted.
Composer = Callable[[Queued], Mail | None]


def retry_delay(attempts: int) -> float:
    return min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LONGEST_RETRY_SECONDS)


class MailOutbox:
    def __init__(self, store: Any, mailer: Mailer, compose: Composer,
                 give_up_after: dict[str, float], late_after: float = 10.0) -> None:
        self.store, self.mailer, self.compose = store, mailer, compose
        self.give_up_after, self.late_after = give_up_after, late_after
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def enqueue(self, kind: str, subject_id: Any) -> None:
        """Store a mail to send (durable on return) and wake the sender. Blocking: call it
        off the event loop."""
        now = time.time()
        with self.store.transaction() as tx:
            tx.execute("INSERT INTO mail_outbox (id, kind, subject_id, created_at, due_at, attempts) "
                       "VALUES (:id, :kind, :subject_id, :now, :now, 0)",
                       {"id": uuid.uuid4().hex, "kind": kind, "subject_id": str(subject_id), "now": now})
        self.start()
        self._wake.set()

    def start(self) -> None:
        """Start the sender thread (once); it also sends what earlier processes left."""
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="tessera-mail-outbox",
                                                daemon=True)
                self._thread.start()

    def close(self, timeout: float = 10.0) -> None:
        """Stop the sender; rows not yet sent stay for the next process."""
        with self._lock:
            self._stop.set()
            thread, self._thread = self._thread, None
        self._wake.set()
        if thread is not None:
            thread.join(timeout)

    async def lateness(self) -> str | None:
        """What `health/ready/` names under `degraded` while mails are late (the mail server
        refusing or unreachable, or no sender running): the service still serves."""
        now = time.time()
        row = await self.store.fetch_one(
            "SELECT COUNT(*) AS late, MIN(created_at) AS oldest FROM mail_outbox WHERE created_at < :late",
            {"late": now - self.late_after})
        if not row or not row["late"]:
            return None
        return f"{row['late']} mail(s) waiting to be sent, the oldest for {now - row['oldest']:.0f} s"

    def send_due(self, now: float | None = None) -> int:
        """Claim the due rows (up to `BATCH`), send them and settle each; how many were claimed."""
        now = time.time() if now is None else now
        claimed = self._claim(now)
        if not claimed:
            return 0
        wanted, dropped, unsure = self._composed(claimed)
        deliveries = self.mailer.send_many([mail for _, mail in wanted]) if wanted else []
        done, later = dropped, [(queued, now + retry_delay(queued.attempts)) for queued in unsure]
        for (queued, mail), delivery in zip(wanted, deliveries, strict=True):
            if delivery.ok:
                done.append(queued.id)
            elif delivery.temporary and now - queued.created_at < self.give_up_after.get(queued.kind, 0):
                log.warning("%s mail to %s failed (%s); retrying", queued.kind, masked(mail.to),
                            delivery.error)
                later.append((queued, now + retry_delay(queued.attempts)))
            else:
                log.error("%s mail to %s not delivered after %d attempt(s): %s", queued.kind,
                          masked(mail.to), queued.attempts, delivery.error)
                done.append(queued.id)
        self._settle(done, later)
        return len(claimed)

    def _composed(self, claimed: list[Queued]) -> tuple[list[tuple[Queued, Mail]], list[str], list[Queued]]:
        """The mails to send; the ids of rows no longer wanted; the rows that cannot be told
        now (the store or the log unreachable), to try again later."""
        wanted: list[tuple[Queued, Mail]] = []
        dropped: list[str] = []
        unsure: list[Queued] = []
        for queued in claimed:
            try:
                mail = self.compose(queued)
            except Exception:  # noqa: BLE001 - one row's trouble must not stop the others
                log.exception("%s mail %s could not be composed; retrying", queued.kind, queued.id)
                unsure.append(queued)
                continue
            if mail is None:
                dropped.append(queued.id)
            else:
                wanted.append((queued, mail))
        return wanted, dropped, unsure

    def _claim(self, now: float) -> list[Queued]:
        skip_locked = " FOR UPDATE SKIP LOCKED" if self.store.dialect == "postgres" else ""
        with self.store.transaction() as tx:
            rows = tx.fetch_all(
                "UPDATE mail_outbox SET due_at = :lease_end, attempts = attempts + 1 WHERE id IN "
                "(SELECT id FROM mail_outbox WHERE due_at <= :now ORDER BY due_at "
                f"LIMIT :batch{skip_locked}) "
                "RETURNING id, kind, subject_id, created_at, attempts",
                {"now": now, "lease_end": now + LEASE_SECONDS, "batch": BATCH})
        return sorted((Queued(**row) for row in rows), key=lambda queued: queued.created_at)

    def _settle(self, done: Sequence[str], later: Sequence[tuple[Queued, float]]) -> None:
        with self.store.transaction() as tx:
            tx.executemany("DELETE FROM mail_outbox WHERE id = :id", [{"id": i} for i in done])
            tx.executemany("UPDATE mail_outbox SET due_at = :due_at WHERE id = :id",
                           [{"id": queued.id, "due_at": due} for queued, due in later])

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.send_due() == BATCH:
                    continue
            except Exception as error:  # noqa: BLE001 - the sender outlives a store that is down
                log.warning("mail outbox unreadable (%s); trying again in %.0f s",
                            str(error).strip() or type(error).__name__, POLL_SECONDS)
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
