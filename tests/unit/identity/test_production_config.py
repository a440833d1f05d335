"""Production mode refuses to start with the default (or a weak) secret (CONTRACT §1)."""
from __future__ import annotations

import pytest

from infra.config import DEV_SECRET_KEY, ConfigurationError, load_settings

STRONG = "s" * 48


def test_production_refuses_the_default_secret():
    with pytest.raises(ConfigurationError, match="TESSERA_SECRET_KEY"):
        load_settings({"TESSERA_ENV": "production", "TESSERA_APP_KEY": "app-key-1"})
    with pytest.raises(ConfigurationError, match="TESSERA_SECRET_KEY"):
        load_settings({"TESSERA_ENV": "production", "TESSERA_SECRET_KEY": DEV_SECRET_KEY,
                       "TESSERA_APP_KEY": "app-key-1"})


def test_production_refuses_a_short_secret():
    with pytest.raises(ConfigurationError):
        load_settings({"TESSERA_ENV": "production", "TESSERA_SECRET_KEY": "short",
                       "TESSERA_APP_KEY": "app-key-1"})


def test_production_starts_with_a_real_secret_and_dev_with_the_default():
    production = load_settings({"TESSERA_ENV": "production", "TESSERA_SECRET_KEY": STRONG,
                                "TESSERA_APP_KEY": "app-key-1"})
    assert production.is_production and production.secret_key == STRONG
    assert load_settings({}).secret_key == DEV_SECRET_KEY
