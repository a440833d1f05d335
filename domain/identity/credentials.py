"""What an account's email and password must look like: registration's rules, also applied
to the bootstrap admin the configuration names (which registration never sees)."""
from __future__ import annotations

from typing import Annotated

import msgspec

Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
# Eight spaces are eight characters, but no secret: at least one must be visible.
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=128, pattern=r"\S")]
