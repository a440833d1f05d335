"""What the outbox sends for a stored account mail: composed from the user as they are at
sending time, with a token that works, or nothing once the mail is no longer wanted."""
from __future__ import annotations

import time
import uuid

from command_api.identity import mails, tokens
from infra.config import Settings
from infra.mail_outbox import Queued

SETTINGS = Settings(secret_key="k" * 40)


def queued(kind: str, subject_id: object) -> Queued:
    return Queued(uuid.uuid4().hex, kind, str(subject_id), time.time(), 1)


def test_a_confirmation_carries_a_token_that_confirms_this_user(identity):
    ana = identity.register("Ana@Tessera.test", "hash", "Ana", "Lima")
    mail = mails.composed(identity, SETTINGS, queued(mails.CONFIRM, ana.id))
    assert mail is not None and mail.to == "ana@tessera.test" and "Confirm" in mail.subject
    assert "Hello Ana" in mail.body and "valid for 24 hours" in mail.body
    token = mail.body.split("Token: ")[1].split()[0]
    assert tokens.read_mail_token(SETTINGS, token, tokens.CONFIRM_EMAIL) == (ana.id, 1, ana.email)


def test_a_reset_carries_the_token_version_the_user_has_when_it_is_sent(identity):
    bo = identity.register("bo@tessera.test", "hash", "Bo", "Sousa")
    identity.reset_password(bo.id, 1, "new-hash")  # a reset done before the mail left
    mail = mails.composed(identity, SETTINGS, queued(mails.RESET, bo.id))
    token = mail.body.split("Token: ")[1].split()[0]
    assert tokens.read_mail_token(SETTINGS, token, tokens.RESET_PASSWORD)[1] == 2
    assert "valid for 1 hour)" in mail.body


def test_no_confirmation_goes_to_an_address_confirmed_meanwhile(identity):
    cy = identity.register("cy@tessera.test", "hash", "Cy", "Reis")
    identity.confirm_email(cy.id, cy.email)
    assert mails.composed(identity, SETTINGS, queued(mails.CONFIRM, cy.id)) is None
    assert mails.composed(identity, SETTINGS, queued(mails.RESET, cy.id)) is not None


def test_no_mail_goes_to_a_deactivated_or_unknown_account(identity):
    dee = identity.register("dee@tessera.test", "hash", "Dee", "Melo")
    identity.deactivate(dee.id)
    for kind in (mails.CONFIRM, mails.RESET):
        assert mails.composed(identity, SETTINGS, queued(kind, dee.id)) is None
        assert mails.composed(identity, SETTINGS, queued(kind, uuid.uuid4())) is None
