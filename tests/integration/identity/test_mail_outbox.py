"""The durable mail outbox (infra/mail_outbox.py) on both read stores, over real SMTP: a stored
mail outlives a mail server that is down and a process that dies, is sent by one sender at a
time, and is dropped once unwanted or too old."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from infra.email import Mail, Mailer, SmtpTransport
from infra.mail_outbox import FIRST_RETRY_SECONDS, LEASE_SECONDS, TABLES, MailOutbox, Queued
from infra.readstore import PostgresReadStore, SqliteReadStore
from infra.servers.smtp_server import SmtpServer
from tests.fixtures import wait_until


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Any]:
    if request.param == "sqlite":
        opened: Any = SqliteReadStore(tmp_path / "read.sqlite")
    else:
        opened = PostgresReadStore(request.getfixturevalue("fresh_database_url"), pool_size=2)
    with opened.transaction() as tx:
        for statement in TABLES:
            tx.execute(statement)
    yield opened
    opened.close()


def greeting(queued: Queued) -> Mail:
    return Mail(f"{queued.subject_id}@tessera.test", f"{queued.kind} for {queued.subject_id}", "Hello")


def outbox(store: Any, server: SmtpServer, compose: Any = greeting, give_up_after: float = 3600) -> MailOutbox:
    return MailOutbox(store, Mailer(SmtpTransport(server.url)), compose,
                      give_up_after={"welcome": give_up_after})


def put(store: Any, subject: str, created: float, due: float | None = None, attempts: int = 0) -> None:
    """A row as `enqueue` stores it (or as a sender left it), without starting a sender."""
    with store.transaction() as tx:
        tx.execute("INSERT INTO mail_outbox (id, kind, subject_id, created_at, due_at, attempts) "
                   "VALUES (:id, 'welcome', :id, :created, :due, :attempts)",
                   {"id": subject, "created": created, "due": created if due is None else due,
                    "attempts": attempts})


def stored(store: Any) -> list[dict[str, Any]]:
    with store.transaction() as tx:
        return tx.fetch_all("SELECT kind, subject_id, attempts FROM mail_outbox ORDER BY created_at")


def test_a_mail_stored_while_the_server_is_down_is_sent_once_it_is_up(store, caplog):
    caplog.set_level(logging.WARNING, logger="tessera.email")
    server = SmtpServer()  # not started: nothing listens on its port yet
    sender, now = outbox(store, server), time.time()
    put(store, "ana", now)
    assert sender.send_due(now) == 1
    assert stored(store) == [{"kind": "welcome", "subject_id": "ana", "attempts": 1}]
    assert "retrying" in caplog.text and "ana@" not in caplog.text  # addresses masked in logs
    assert sender.send_due(now + 1) == 0  # not due again before its backoff
    with server:
        assert sender.send_due(now + FIRST_RETRY_SECONDS) == 1
        assert server.wait_for(1)[0].rcpt_tos == ("ana@tessera.test",)
    assert stored(store) == []


def test_rows_a_process_left_unsent_are_sent_by_the_next_process_to_start(store):
    with SmtpServer() as server:
        for name in ("bo", "cy"):  # stored by a process that died before sending them
            put(store, name, time.time())
        successor = outbox(store, server)
        successor.start()
        try:
            received = server.wait_for(2)
        finally:
            successor.close()
    assert sorted(m.rcpt_tos[0] for m in received) == ["bo@tessera.test", "cy@tessera.test"]
    assert stored(store) == []


def test_enqueue_stores_the_mail_and_wakes_the_sender(store):
    with SmtpServer() as server:
        sender = outbox(store, server)
        try:
            sender.enqueue("welcome", "dee")
            assert server.wait_for(1)[0].message["Subject"] == "welcome for dee"
            wait_until(lambda: stored(store) == [], message="the sent row removed")
        finally:
            sender.close()
    assert len(server.messages) == 1


def test_a_claimed_row_is_sent_by_one_sender_until_its_lease_runs_out(store):
    with SmtpServer() as server:
        first, second, now = outbox(store, server), outbox(store, server), time.time()
        put(store, "eve", now)
        assert [q.subject_id for q in first._claim(now)] == ["eve"]  # then its process died
        assert second.send_due(now + LEASE_SECONDS - 1) == 0
        assert server.messages == []
        assert second.send_due(now + LEASE_SECONDS) == 1
        assert [m.rcpt_tos for m in server.wait_for(1)] == [("eve@tessera.test",)]
    assert stored(store) == []


def test_a_mail_no_longer_wanted_is_dropped_unsent(store):
    with SmtpServer() as server:
        sender = outbox(store, server, compose=lambda queued: None)
        put(store, "fay", time.time())
        assert sender.send_due() == 1
        assert stored(store) == [] and server.connections == 0


def test_a_mail_that_cannot_be_composed_now_is_kept_for_later(store, caplog):
    def unreachable(queued: Queued) -> Mail:
        raise ConnectionError("event store unreachable")

    with SmtpServer() as server:
        sender, now = outbox(store, server, compose=unreachable), time.time()
        put(store, "gus", now)
        assert sender.send_due(now) == 1
        assert stored(store) == [{"kind": "welcome", "subject_id": "gus", "attempts": 1}]
        assert "could not be composed" in caplog.text
        sender.compose = greeting
        assert sender.send_due(now + FIRST_RETRY_SECONDS) == 1
        assert server.wait_for(1)[0].rcpt_tos == ("gus@tessera.test",)


def test_a_mail_still_failing_when_too_old_is_given_up_with_a_masked_log(store, caplog):
    caplog.set_level(logging.ERROR, logger="tessera.email")
    sender, now = outbox(store, SmtpServer(), give_up_after=60), time.time()
    put(store, "hal", now - 61, due=now, attempts=3)
    assert sender.send_due(now) == 1
    assert stored(store) == []
    assert "not delivered after 4 attempt(s)" in caplog.text and "h***@tessera.test" in caplog.text


def test_mails_waiting_past_the_late_mark_are_named_for_health(store):
    async def lateness() -> str | None:
        try:
            return await sender.lateness()
        finally:
            await store.aclose()

    sender, now = outbox(store, SmtpServer()), time.time()
    put(store, "ivy", now)
    assert asyncio.run(lateness()) is None
    put(store, "jo", now - sender.late_after - 5)
    put(store, "kai", now - sender.late_after - 1)
    named = asyncio.run(lateness())
    assert named is not None and named.startswith("2 mail(s) waiting to be sent, the oldest for ")
    assert 15 <= int(named.rsplit(" ", 2)[1]) <= 20
