"""Production mode refuses to start with the default (or a weak) secret (CONTRACT §1)."""
from __future__ import annotations

import pytest

from infra.config import DEV_SECRET_KEY, ConfigurationError, load_settings

STRONG = "s" * 48


def test_production_refuses_the_default_secret():
    with pytest.raises(ConfigurationError, match="TESSERA_SECRET_KEY"):
        load_settings({"TESSERA_ENV": "production", "TESSERA_APP_KEY": "app-key-0123456789"})
    with pytest.raises(ConfigurationError, match="TESSERA_SECRET_KEY"):
        load_settings({"TESSERA_ENV": "production", "TESSERA_SECRET_KEY": DEV_SECRET_KEY,
                       "TESSERA_APP_KEY": "app-key-0123456789"})


def test_production_refuses_a_short_secret():
    with pytest.raises(ConfigurationError):
        load_settings({"TESSERA_ENV": "production", "TESSERA_SECRET_KEY": "short",
                       "TESSERA_APP_KEY": "app-key-0123456789"})


def test_production_starts_with_a_real_secret_and_dev_with_the_default():
    production = load_settings({"TESSERA_ENV": "production", "TESSERA_SECRET_KEY": STRONG,
                                "TESSERA_APP_KEY": "app-key-0123456789"})
    assert production.is_production and production.secret_key == STRONG
    assert load_settings({}).secret_key == DEV_SECRET_KEY


@pytest.mark.parametrize("secret, app_key, names", [
    (" " * 40, "app-key-0123456789", "TESSERA_SECRET_KEY"),
    ("\t" * 8 + "s" * 24, "app-key-0123456789", "TESSERA_SECRET_KEY"),
    (STRONG, "k", "TESSERA_APP_KEY"),
    (STRONG, " " * 20, "TESSERA_APP_KEY"),
    (STRONG, " app-key-0123456789 ", "TESSERA_APP_KEY"),
])
def test_production_refuses_keys_of_spaces_or_too_short(secret, app_key, names):
    """Forty spaces passed as a secret, and an app key of one letter or of spaces (which the
    callback's check strips, so no caller could ever match it) as an app key."""
    with pytest.raises(ConfigurationError, match=names):
        load_settings({"TESSERA_ENV": "production", "TESSERA_SECRET_KEY": secret, "TESSERA_APP_KEY": app_key})
