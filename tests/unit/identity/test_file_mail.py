"""Without TESSERA_SMTP_URL, mail is written as .eml files under <data_dir>/mail/."""
from __future__ import annotations

import email
import email.policy

from infra.config import Settings
from infra.email import FileTransport, Mail, Mailer


def read(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_mails_become_eml_files_in_the_data_dir(tmp_path):
    mailer = Mailer.from_settings(Settings(data_dir=tmp_path))
    assert isinstance(mailer.transport, FileTransport)
    deliveries = mailer.send_many([Mail("a@tessera.test", "Hi A", "Hello A"),
                                   Mail("b@tessera.test", "Hi B", "Hello B")])
    assert [(d.to, d.ok) for d in deliveries] == [("a@tessera.test", True), ("b@tessera.test", True)]
    messages = {m["To"]: m for m in map(read, (tmp_path / "mail").glob("*.eml"))}
    assert set(messages) == {"a@tessera.test", "b@tessera.test"}
    assert messages["a@tessera.test"]["Subject"] == "Hi A"
    assert messages["a@tessera.test"].get_content().strip() == "Hello A"
    assert messages["a@tessera.test"]["Message-ID"]


def test_a_mail_that_cannot_be_built_fails_alone(tmp_path):
    mailer = Mailer.from_settings(Settings(data_dir=tmp_path))
    deliveries = mailer.send_many([Mail("bad\r\naddress@tessera.test", "Broken", "Body"),
                                   Mail("good@tessera.test", "Fine", "Body")])
    assert [d.ok for d in deliveries] == [False, True]
    assert deliveries[0].error.startswith("invalid mail") and not deliveries[0].temporary


def test_an_eml_file_names_each_address_as_registered(tmp_path):
    """`josé@…` was written as an encoded word (`=?utf-8?q?jos=C3=A9?=@…`) and `a"b@…` unquoted,
    neither of them an address."""
    Mailer.from_settings(Settings(data_dir=tmp_path)).send_many(
        [Mail(address, "Hi", "Body") for address in ("josé@tessera.test", 'a"b@tessera.test', "x,y@tessera.test")])
    files = (tmp_path / "mail").glob("*.eml")
    written = {(m["To"].addresses[0].username, m["To"].addresses[0].domain) for m in
               (email.message_from_string(path.read_text(), policy=email.policy.default) for path in files)}
    assert written == {("josé", "tessera.test"), ('a"b', "tessera.test"), ("x,y", "tessera.test")}
