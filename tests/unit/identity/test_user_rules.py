"""The User aggregate's rules: mailed tokens, profile, access levels, deactivation."""
from __future__ import annotations

from datetime import date

import pytest

from domain.identity.errors import (
    InvalidMailTokenError,
    NotAdminError,
    NothingToUpdateError,
    OwnAccessLevelError,
    UnknownAccessLevelError,
)
from domain.identity.user import User


def new_user(level: str = "user") -> User:
    return User("ana@tessera.test", "hash:old", "Ana", "Lima", access_level=level)


def test_a_password_reset_bumps_the_token_version_so_its_token_works_once():
    user = new_user()
    user.reset_password("hash:new", token_version=1)
    assert (user.password_hash, user.token_version) == ("hash:new", 2)
    with pytest.raises(InvalidMailTokenError):
        user.reset_password("hash:again", token_version=1)


def test_an_inactive_user_can_neither_reset_nor_confirm():
    user = new_user()
    user.deactivate()
    with pytest.raises(InvalidMailTokenError):
        user.reset_password("hash:new", token_version=user.token_version)
    with pytest.raises(InvalidMailTokenError):
        user.confirm_email(user.email)


def test_confirmation_needs_the_registered_address_and_happens_once():
    user = new_user()
    with pytest.raises(InvalidMailTokenError):
        user.confirm_email("other@tessera.test")
    user.confirm_email(user.email)
    user.confirm_email(user.email)
    assert user.email_confirmed
    assert [type(e).__name__ for e in user.collect_events()] == ["UserRegistered", "UserEmailConfirmed"]


def test_profile_updates_keep_only_profile_fields_and_parse_dates():
    user = new_user()
    user.update_profile({"date_of_birth": "1990-04-01", "phone": None, "access_level": "admin"})
    assert user.date_of_birth == date(1990, 4, 1) and user.phone is None
    assert user.access_level == "user"
    with pytest.raises(NothingToUpdateError):
        user.update_profile({"email": "new@tessera.test"})


def test_only_an_active_admin_sets_known_levels_of_others():
    user, admin, support = new_user(), new_user("admin"), new_user("support")
    with pytest.raises(NotAdminError):
        user.set_access_level("support", support)
    with pytest.raises(OwnAccessLevelError):
        admin.set_access_level("user", admin)
    with pytest.raises(UnknownAccessLevelError):
        user.set_access_level("root", admin)
    user.set_access_level("support", admin)
    assert user.access_level == "support"
    admin.deactivate()
    with pytest.raises(NotAdminError):
        user.set_access_level("admin", admin)


def test_deactivation_bumps_the_token_version_once():
    user = new_user()
    user.deactivate()
    user.deactivate()
    assert (user.is_active, user.token_version) == (False, 2)
