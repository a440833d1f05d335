"""An in-process SMTP server (aiosmtpd) that records what the app sends.

Mail code is tested over a real SMTP conversation, not a mocked client, so that refusals at
RCPT time, multi-recipient envelopes and connection reuse behave as a real relay makes them.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from infra.servers import free_port, register_cleanup, unregister_cleanup


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        if address.lower() in {a.lower() for a in self.server.refused_recipients}:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.server._record(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class _Controller(Controller):
    def __init__(self, server: SmtpServer, port: int, smtputf8: bool):
        super().__init__(_Handler(server), hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
        self.owner = server  # not `self.server`: the Controller keeps its asyncio Server there

    def factory(self):
        # Called once per accepted connection, before start() returns for the probe one.
        self.owner._count_connection()
        return super().factory()


class SmtpServer:
    """`.url` is `smtp://127.0.0.1:PORT`; `refused_recipients` get 550 at RCPT time.

    `.connections` counts TCP connections accepted since the last `clear()`, so a test can
    prove that a batch of mails went over one connection. `smtputf8=False` makes a server
    that cannot take non-ASCII addresses, as many relays are.
    """

    def __init__(self, smtputf8: bool = True):
        self.port = free_port()
        self.refused_recipients: set[str] = set()
        self._lock = threading.Condition()
        self._messages: list[ReceivedMail] = []
        self._connections = 0
        self._controller = _Controller(self, self.port, smtputf8)
        self._running = False

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    @property
    def connections(self) -> int:
        with self._lock:
            return self._connections

    def _record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._messages.append(mail)
            self._lock.notify_all()

    def _count_connection(self) -> None:
        with self._lock:
            self._connections += 1

    def clear(self) -> None:
        """Forget messages, connection count and refusals: a clean slate for the next test."""
        with self._lock:
            self._messages.clear()
            self._connections = 0
            self.refused_recipients.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Block until at least `count` mails arrived; mail is often sent by a worker."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self._messages)} of {count} mails after {timeout}s")
                self._lock.wait(left)
            return list(self._messages)

    def start(self) -> SmtpServer:
        self._controller.start()
        self._running = True
        self.clear()  # the controller's own readiness probe was a connection
        register_cleanup(self.stop)
        return self

    def stop(self) -> None:
        unregister_cleanup(self.stop)
        if self._running:
            self._running = False
            self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
