"""Request bodies of identity commands, validated at the edge."""
from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=128)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=150)]


class RegisterUser(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
    first_name: Name
    last_name: Name
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    gender: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    date_of_birth: date | None = None


class Login(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=128)]
