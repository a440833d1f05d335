"""Request bodies of jobs commands, and the shape of one imported contact row."""
from __future__ import annotations

from typing import Annotated

import msgspec

from command_api.identity.schemas import Email, Name, Phone

# A header line: a line break would end the header (every mail of the broadcast then failed
# to build), and a blank subject says nothing. Line breaks are those of str.splitlines, which
# the mail header check uses: C0 and C1 controls (U+0085 among them), U+2028 and U+2029.
Subject = Annotated[str, msgspec.Meta(min_length=1, max_length=200,
                                      pattern=r"^(?=.*\S)[^\x00-\x1f\x7f-\x9f\u2028\u2029]+$")]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=100_000)]


class RequestReport(msgspec.Struct, forbid_unknown_fields=True):
    """`{}`: a report takes no parameters, and a `filters` it would ignore is refused."""


class RequestBroadcast(msgspec.Struct, forbid_unknown_fields=True):
    """An unknown field such as `to` is refused: ignored, the mail went to every user."""

    subject: Subject
    body: Body


class ContactRow(msgspec.Struct):
    """A CSV row, validated as registration validates the same fields."""

    email: Email
    first_name: Name
    last_name: Name
    phone: Phone | None = None
