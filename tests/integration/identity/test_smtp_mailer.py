"""infra.email over a real SMTP conversation (aiosmtpd): one connection per batch, refusals
reported per recipient, and a server that is down reported as a temporary failure (the
outbox's retries, tests/integration/identity/test_mail_outbox.py, rely on it)."""
from __future__ import annotations

from infra.config import Settings
from infra.email import Mail, Mailer, SmtpTransport
from infra.servers.smtp_server import SmtpServer


def test_a_batch_goes_over_one_connection_and_refusals_are_reported(smtp_server):
    smtp_server.refused_recipients.add("gone@tessera.test")
    mailer = Mailer.from_settings(Settings(smtp_url=f"{smtp_server.url}?from=Ops <ops@tessera.test>"))
    deliveries = mailer.send_many([Mail(f"{name}@tessera.test", "News", f"Hello {name}")
                                   for name in ("ana", "gone", "bo")])
    assert [(d.to, d.ok) for d in deliveries] == [
        ("ana@tessera.test", True), ("gone@tessera.test", False), ("bo@tessera.test", True)]
    assert deliveries[1].error == "550 5.1.1 Mailbox unavailable" and not deliveries[1].temporary
    received = smtp_server.wait_for(2)
    assert smtp_server.connections == 1
    assert [m.rcpt_tos for m in received] == [("ana@tessera.test",), ("bo@tessera.test",)]
    assert received[0].mail_from == "ops@tessera.test"
    assert received[1].message.get_content().strip() == "Hello bo"


def test_send_delivers_one_mail(smtp_server):
    delivery = Mailer(SmtpTransport(smtp_server.url)).send("cy@tessera.test", "Hi", "Body")
    assert delivery.ok and delivery.error is None
    assert smtp_server.wait_for(1)[0].message["Subject"] == "Hi"


def test_a_server_that_is_down_is_a_temporary_failure_for_everyone():
    server = SmtpServer()  # not started: nothing listens on its port
    deliveries = Mailer(SmtpTransport(server.url)).send_many([Mail("a@t.test", "S", "B"),
                                                               Mail("b@t.test", "S", "B")])
    assert [(d.ok, d.temporary) for d in deliveries] == [(False, True), (False, True)]
    assert "ConnectionRefusedError" in (deliveries[0].error or "")


def test_a_recipient_the_server_cannot_take_fails_alone_and_a_comma_stays_in_its_address():
    """A server without SMTPUTF8 cannot take `josé@…`: that was taken for a broken connection,
    failing every later mail of the batch on every attempt. And `x,y@…` went to `y@…`."""
    addresses = ["ana@tessera.test", "x,y@tessera.test", "josé@tessera.test", "bo@tessera.test"]
    with SmtpServer(smtputf8=False) as server:
        deliveries = Mailer(SmtpTransport(server.url)).send_many([Mail(a, "News", "Hi") for a in addresses])
        received = server.wait_for(3)
    assert [d.to for d in deliveries] == addresses
    assert [(d.ok, d.temporary) for d in deliveries] == [(True, False), (True, False), (False, False),
                                                         (True, False)]
    assert "SMTPUTF8" in (deliveries[2].error or "")
    assert [m.rcpt_tos for m in received] == [("ana@tessera.test",), ('"x,y"@tessera.test',),
                                              ("bo@tessera.test",)]
    assert received[1].message["To"].addresses[0].username == "x,y"
