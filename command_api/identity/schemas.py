"""Request bodies of identity commands, validated at the edge."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from domain.identity.credentials import Email, Password

# At least one visible character, as tenancy's names: "   " passed as a name.
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=150, pattern=r"\S")]
Phone = Annotated[str, msgspec.Meta(max_length=32)]
Gender = Annotated[str, msgspec.Meta(max_length=32)]
Url = Annotated[str, msgspec.Meta(pattern=r"^https?://\S+$", max_length=2048)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class RegisterUser(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
    first_name: Name
    last_name: Name
    phone: Phone | None = None
    gender: Gender | None = None
    date_of_birth: date | None = None


class Login(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=128)]


class RefreshSession(msgspec.Struct, forbid_unknown_fields=True):
    refresh: Token


class ConfirmEmail(msgspec.Struct, forbid_unknown_fields=True):
    token: Token


class ForgotPassword(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]


class ResetPassword(msgspec.Struct, forbid_unknown_fields=True):
    token: Token
    password: Password


class UpdateProfile(msgspec.Struct, forbid_unknown_fields=True):
    first_name: Name | UnsetType = UNSET
    last_name: Name | UnsetType = UNSET
    phone: Phone | None | UnsetType = UNSET
    gender: Gender | None | UnsetType = UNSET
    date_of_birth: date | None | UnsetType = UNSET
    avatar_url: Url | None | UnsetType = UNSET

    def changes(self) -> dict[str, str | None]:
        """The fields the client sent, as event values (dates in ISO form)."""
        given = {f: getattr(self, f) for f in self.__struct_fields__}
        return {f: v.isoformat() if isinstance(v, date) else v
                for f, v in given.items() if v is not UNSET}


class ChangeAccessLevel(msgspec.Struct, forbid_unknown_fields=True):
    access_level: Literal["admin", "support", "user"]
