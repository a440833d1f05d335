"""The audit log's redaction list: every secret field an event can carry is hidden, at any depth."""
from __future__ import annotations

import pytest

from projectors.audit.redaction import REDACTED, SECRET_FIELDS, is_secret, redact


@pytest.mark.parametrize("field", sorted(SECRET_FIELDS) + [
    "Password", "new_password", "reset_token", "client_secret", "refresh_jti", "pin_hash"])
def test_secret_fields_are_redacted(field):
    assert is_secret(field)
    assert redact({field: "s3cr3t", "keep": 1}) == {field: REDACTED, "keep": 1}


@pytest.mark.parametrize("field", ["email", "title", "token_version", "user_id", "first_name",
                                   "original_key", "content_type"])
def test_ordinary_fields_are_kept(field):
    assert not is_secret(field)


def test_redaction_reaches_nested_objects_and_lists():
    event = {"changes": {"password_hash": "h", "first_name": "Ada"},
             "items": [{"token": "t", "n": 1}], "plain": ["password"]}
    assert redact(event) == {"changes": {"password_hash": REDACTED, "first_name": "Ada"},
                             "items": [{"token": REDACTED, "n": 1}], "plain": ["password"]}


def event_fields() -> set[str]:
    """Every field of every event class of every context under domain/."""
    import importlib
    import pkgutil

    import domain
    from domain.aggregate import AggregateEvent

    for module in pkgutil.walk_packages(domain.__path__, "domain."):
        importlib.import_module(module.name)
    found: set[str] = set()
    pending = [AggregateEvent]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        found.update(cls.__struct_fields__)
    return found


def test_every_secret_looking_field_of_the_domain_events_is_redacted():
    """A new event field that looks like a secret must be on the list (or renamed)."""
    fields = event_fields()
    assert {"password_hash", "refresh_jti"} <= fields
    looks_secret = {f for f in fields if any(word in f for word in ("password", "secret", "jti"))
                    or ("token" in f and f != "token_version")}
    assert looks_secret == {f for f in looks_secret if is_secret(f)}
