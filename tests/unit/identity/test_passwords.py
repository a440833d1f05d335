"""Password hashes: argon2id at the recommended parameters, a cheap profile for test suites only."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from infra import passwords
from infra.config import ConfigurationError, load_settings
from infra.passwords import UNUSABLE, hash_password, verify_password

STRONG = "s" * 48


def test_the_recommended_profile_hashes_with_argon2id_at_64_mib_and_three_passes():
    assert hash_password("correct horse").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_hash_from_either_profile_checks_the_right_password_and_refuses_a_wrong_one():
    for profile in ("recommended", "cheapest"):
        stored = hash_password("correct horse", profile)
        assert verify_password(stored, "correct horse")
        assert not verify_password(stored, "wrong horse")
    assert not verify_password(UNUSABLE, "correct horse")


def test_production_refuses_the_cheapest_profile_and_dev_accepts_it():
    with pytest.raises(ConfigurationError, match="TESSERA_PASSWORD_HASHING"):
        load_settings({"TESSERA_ENV": "production", "TESSERA_SECRET_KEY": STRONG,
                       "TESSERA_APP_KEY": "app-key-0123456789", "TESSERA_PASSWORD_HASHING": "cheapest"})
    assert load_settings({"TESSERA_PASSWORD_HASHING": "cheapest"}).password_hashing == "cheapest"
    assert load_settings({}).password_hashing == "recommended"


def test_an_unknown_profile_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="TESSERA_PASSWORD_HASHING: Invalid enum value .md5."):
        load_settings({"TESSERA_PASSWORD_HASHING": "md5"})


def test_no_usable_hash_is_checked_against_a_decoy_and_never_matches(monkeypatch):
    checked = []
    real = passwords._HASHERS["recommended"]
    monkeypatch.setitem(passwords._HASHERS, "recommended", SimpleNamespace(
        hash=real.hash, verify=lambda stored, given: checked.append(stored) or True))
    assert not verify_password("", "anything") and not verify_password(UNUSABLE, "anything")
    assert len(checked) == 2 and all(stored.startswith("$argon2id$") for stored in checked)
