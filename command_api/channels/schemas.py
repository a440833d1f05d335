"""Request bodies of the messaging channel (CONTRACT §8)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Phone = Annotated[
    str, msgspec.Meta(min_length=3, max_length=32, pattern=r"^\+?[0-9][0-9 -]{1,30}$")
]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class SendMessage(msgspec.Struct, forbid_unknown_fields=True):
    to: Phone
    text: Text
    type: Literal["text"] = "text"


class InjectMessage(msgspec.Struct, forbid_unknown_fields=True, rename={"sender": "from"}):
    """What the stub pretends a contact sent: `{from, text, type?}`."""

    sender: Phone
    text: Text
    type: Literal["text"] = "text"
