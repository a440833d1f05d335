"""Outgoing mail: SMTP when `TESSERA_SMTP_URL` is set, else `.eml` files under `<data_dir>/mail/`.

`Mailer.send` / `send_many` deliver now (blocking: call them off the event loop) and report
each recipient's outcome; `send_many` uses one SMTP connection for the whole batch. Retrying is
the caller's: account mails go through the durable outbox (infra/mail_outbox.py), broadcasts
are jobs that record each recipient's outcome.

URL forms: `smtp://[user:password@]host[:port][?starttls=1][&from=Name <addr>]`, `smtps://...`.
"""
from __future__ import annotations

import email.policy
import smtplib
import socket
import ssl
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from infra.config import Settings

DEFAULT_SENDER = "Tessera <no-reply@tessera.local>"
SMTP_PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Delivery:
    """One recipient's outcome; `temporary` failures (4xx, connection trouble) may be retried."""

    to: str
    ok: bool
    error: str | None = None
    temporary: bool = False


@dataclass(frozen=True)
class Outgoing:
    """A built message, the address it was built for (as stored, what its `Delivery` names)
    and that address as one SMTP mailbox (`envelope_to`, see `mailbox`)."""

    to: str
    envelope_to: str
    message: EmailMessage


def mailbox(address: str) -> Address:
    """The stored address as one mailbox, its local part quoted where it needs it. Unquoted,
    smtplib and header parsing read `x,y@example.com` as the two addresses `x` and
    `y@example.com`, and the mail went to the latter: someone else's mailbox."""
    local, _, domain = address.rpartition("@")
    return Address(username=local, domain=domain)


class SmtpTransport:
    def __init__(self, url: str, timeout: float = 15.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in SMTP_PORTS or not parts.hostname:
            raise ValueError("TESSERA_SMTP_URL must look like smtp://host:port or smtps://host:port")
        query = parse_qs(parts.query)
        self.secure, self.host = parts.scheme == "smtps", parts.hostname
        self.port = parts.port or SMTP_PORTS[parts.scheme]
        self.starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
        self.username, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        self.sender = query.get("from", [DEFAULT_SENDER])[0]
        self.timeout = timeout

    def deliver(self, messages: Sequence[Outgoing]) -> list[Delivery]:
        results: list[Delivery] = []
        try:
            with self._connect() as smtp:
                for message in messages:
                    results.append(_send_one(smtp, message))
        except (OSError, smtplib.SMTPException) as error:
            reason = f"{type(error).__name__}: {error}"
            unsent = messages[len(results):]
            results += [Delivery(m.to, False, reason, True) for m in unsent]
        return results

    def _connect(self) -> smtplib.SMTP:
        local = socket.gethostname()  # getfqdn() may wait on DNS
        if self.secure:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, local_hostname=local, timeout=self.timeout,
                context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, local_hostname=local, timeout=self.timeout)
        if self.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if self.username:
            smtp.login(self.username, self.password)
        return smtp


def _send_one(smtp: smtplib.SMTP, outgoing: Outgoing) -> Delivery:
    to = outgoing.to
    try:
        smtp.send_message(outgoing.message, to_addrs=[outgoing.envelope_to])
    except smtplib.SMTPNotSupportedError as unsupported:
        # An address only SMTPUTF8 can carry (`josé@…`) to a server without it: raised before
        # a command is sent, so the connection goes on. It was taken for a broken connection
        # and failed this mail and every later one of the batch, on every attempt.
        return Delivery(to, False, f"not sent: {unsupported}")
    except smtplib.SMTPRecipientsRefused as refused:
        code, text = next(iter(refused.recipients.values()))
        return Delivery(to, False, f"{code} {_text(text)}", 400 <= code < 500)
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
        smtp.rset()
        code = error.smtp_code
        return Delivery(to, False, f"{code} {_text(error.smtp_error)}", 400 <= code < 500)
    return Delivery(to, True)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


class FileTransport:
    """Development mail: every message is an `.eml` file a developer (or a test) can open."""

    def __init__(self, directory: Path, sender: str = DEFAULT_SENDER) -> None:
        self.directory, self.sender = directory, sender

    def deliver(self, messages: Sequence[Outgoing]) -> list[Delivery]:
        self.directory.mkdir(parents=True, exist_ok=True)
        for outgoing in messages:
            name = f"{uuid.uuid4().hex}.eml"
            partial = self.directory / f".{name}.tmp"
            partial.write_bytes(outgoing.message.as_bytes(policy=email.policy.SMTPUTF8))
            partial.rename(self.directory / name)
        return [Delivery(m.to, True) for m in messages]


class Mailer:
    def __init__(self, transport: SmtpTransport | FileTransport) -> None:
        self.transport = transport

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer:
        if settings.smtp_url:
            return cls(SmtpTransport(settings.smtp_url))
        return cls(FileTransport(Path(settings.data_dir) / "mail"))

    def send(self, to: str, subject: str, body: str) -> Delivery:
        return self.send_many([Mail(to, subject, body)])[0]

    def send_many(self, mails: Iterable[Mail]) -> list[Delivery]:
        """Deliver now over one connection; one `Delivery` per mail, in order."""
        built = [self._message(mail) for mail in mails]
        sent = iter(self.transport.deliver([m for m in built if isinstance(m, Outgoing)]))
        return [next(sent) if isinstance(m, Outgoing) else m for m in built]

    def _message(self, mail: Mail) -> Outgoing | Delivery:
        """The message to send, or the failed delivery of a mail that cannot be one."""
        message = EmailMessage()
        try:
            recipient = mailbox(mail.to)
            message["From"], message["To"] = self.transport.sender, recipient
            message["Subject"], message["Date"] = mail.subject, formatdate(usegmt=True)
            message["Message-ID"] = make_msgid(domain="tessera.local")
            message.set_content(mail.body)
        except ValueError as error:
            return Delivery(mail.to, False, f"invalid mail: {error}")
        return Outgoing(mail.to, recipient.addr_spec, message)


def masked(address: str) -> str:
    """An address fit for logs: `a***@example.com`."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
