"""Confirmation and reset mails really leave: over SMTP when configured, else as .eml files;
and one stored while the mail server is down is not lost when the server process dies."""
from __future__ import annotations

import email
import email.policy
import re
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from infra.email import masked
from infra.servers.smtp_server import SmtpServer
from tests.e2e.identity.flows import NEW_PASSWORD, fresh_email, me, post, register
from tests.fixtures import wait_until
from tests.fixtures.stack import Stack, start_embedded, wait_healthy

TOKEN_LINE = re.compile(r"^Token: (\S+)", re.MULTILINE)


def mailed_token(message: email.message.EmailMessage) -> str:
    found = TOKEN_LINE.search(message.get_content())
    assert found, message.get_content()
    return found.group(1)


def mail_to(smtp_server, address: str, subject_word: str) -> email.message.EmailMessage:
    """The one mail to `address` whose subject has `subject_word`, once it has arrived."""
    def arrived():
        return [m for m in smtp_server.messages
                if address in m.rcpt_tos and subject_word in m.message["Subject"]]

    found = wait_until(arrived, message=f"a '{subject_word}' mail to {address}")
    assert len(found) == 1
    return found[0].message


def test_confirmation_mail_arrives_over_smtp_and_its_token_confirms(smtp_stack, smtp_server):
    address = fresh_email("smtp")
    register(smtp_stack, email=address, first_name="Mila")
    message = mail_to(smtp_server, address, "Confirm")
    assert message["To"] == address
    assert "Mila" in message.get_content()
    answer = post(smtp_stack, "/api/v1/auth/confirm_email/", {"token": mailed_token(message)})
    assert answer.status_code == 200, answer.text
    assert answer.json()["user"]["email_confirmed"] is True


def test_reset_mail_arrives_over_smtp_and_its_token_resets(smtp_stack, smtp_server):
    address = fresh_email("smtp")
    register(smtp_stack, email=address)
    assert post(smtp_stack, "/api/v1/auth/forgot_password/", {"email": address}).status_code == 200
    message = mail_to(smtp_server, address, "Reset")
    answer = post(smtp_stack, "/api/v1/auth/reset_password/",
                  {"token": mailed_token(message), "password": NEW_PASSWORD})
    assert answer.status_code == 200, answer.text
    assert me(smtp_stack, answer.json()["token"]).status_code == 200
    assert smtp_stack.login(address, NEW_PASSWORD)["user"]["email"] == address


def test_no_reset_mail_goes_to_an_unknown_address(smtp_stack, smtp_server):
    unknown, known = fresh_email("nobody"), fresh_email("smtp")
    register(smtp_stack, email=known)
    post(smtp_stack, "/api/v1/auth/forgot_password/", {"email": unknown})
    post(smtp_stack, "/api/v1/auth/forgot_password/", {"email": known})
    mail_to(smtp_server, known, "Reset")  # sent after the unknown one's request was answered
    assert not [m for m in smtp_server.messages if unknown in m.rcpt_tos]


def test_without_smtp_mails_are_written_as_eml_files(embedded_stack):
    address = fresh_email("file")
    registered = register(embedded_stack, email=address)
    mail_dir = Path(embedded_stack.env["TESSERA_DATA_DIR"]) / "mail"

    def written():
        for path in mail_dir.glob("*.eml") if mail_dir.exists() else []:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] == address:
                return message
        return None

    message = wait_until(written, message=f"an .eml file to {address}")
    assert "Confirm" in message["Subject"]
    confirmed = post(embedded_stack, "/api/v1/auth/confirm_email/", {"token": mailed_token(message)})
    assert confirmed.status_code == 200
    assert registered["token"]  # dev mode also answered a token of its own


@pytest.mark.parametrize("mode", ["embedded", "embedded_pg"])
def test_a_confirmation_mail_outlives_a_mail_server_outage_and_a_crash_of_the_server(mode, request):
    """The mail is stored before `register` answers: the server that stored it is killed while
    the mail server is down, and the next server process to start sends it."""
    mail_server = SmtpServer()  # down: nothing listens on its port yet
    extra = {"TESSERA_SMTP_URL": mail_server.url, "TESSERA_MAIL_LATE": "2"}
    if mode == "embedded_pg":
        extra["TESSERA_DATABASE_URL"] = request.getfixturevalue("postgres_cluster").create_database()
    with contextmanager(start_embedded)(f"{mode}_mail_outage", extra) as stack:
        address = fresh_email("outage")
        register(stack, email=address, first_name="Noor")
        wait_until(lambda: f"mail to {masked(address)} failed" in stack.logs["serve"].read_text(),
                   message="a failed attempt logged")
        late = wait_until(lambda: degraded(stack).get("account_mail"),
                          message="late mail named in health/ready/")
        stack.kill("serve")
        with mail_server:
            stack.start("serve")
            wait_healthy(stack.base_url, stack.processes["serve"], stack.logs["serve"])
            message = mail_to(mail_server, address, "Confirm")
            confirmed = post(stack, "/api/v1/auth/confirm_email/", {"token": mailed_token(message)})
            wait_until(lambda: "account_mail" not in degraded(stack), message="no mail late once sent")
    assert late.startswith("1 mail(s) waiting to be sent")
    assert "Noor" in message.get_content()
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["user"]["email_confirmed"] is True


def degraded(stack: Stack) -> dict[str, str]:
    ready = httpx.get(f"{stack.base_url}/health/ready/", timeout=5)
    assert ready.status_code == 200, ready.text  # late mail degrades; it does not unready
    return ready.json()["degraded"]
