"""Bodies of the SQS bridge (CONTRACT §8): the queue message and the `event-sync/` callback."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from domain.sync.message import SyncMessage
from infra.envelope import Envelope
from infra.web.input_checks import json_refusal

APPS = {"source": "tessera"}
# SQS takes #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF in a body. JSON
# escapes the control characters but leaves U+FFFE and U+FFFF as they are: a product named
# with one would be refused by SQS on every attempt and hold back every message after it.
# Written as JSON escapes (they can only be inside strings) they decode to the same text.
_SQS_REFUSED = {0xFFFE: "\\ufffe", 0xFFFF: "\\uffff"}
SECRET_FIELD = re.compile(r"password|secret|token|hash", re.IGNORECASE)


class Change(msgspec.Struct):
    """`{obj_type, obj_data: {event_id, ...}, obj_cmd}`: a callback body, a message's `data`."""

    obj_type: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    obj_data: dict[str, Any]
    obj_cmd: Literal["put", "delete"]


class ChangeCallback(Change, forbid_unknown_fields=True):
    """The `event-sync/` body, a request to this API: an unknown field is 400, as on every
    command. Queue messages stay open to fields a newer peer may add."""


class QueueMessage(msgspec.Struct):
    apps: dict[str, Any]
    data: Change
    timestamp: str


class MalformedMessage(ValueError):
    """An inbound message that is not a well-formed bridge message."""


_decode_message = msgspec.json.Decoder(QueueMessage).decode
_encode = msgspec.json.Encoder().encode


def event_id_of(change: Change) -> UUID:
    try:
        return UUID(str(change.obj_data["event_id"]))
    except (KeyError, ValueError):
        raise MalformedMessage("obj_data.event_id must be a UUID") from None


def outbound(envelope: Envelope) -> tuple[SyncMessage, str]:
    """The message of one event and its queue body, secrets left out."""
    obj_data = {k: v for k, v in envelope.data.items() if not SECRET_FIELD.search(k)}
    obj_data.update(
        id=str(envelope.aggregate_id), event_type=envelope.type, event_id=str(envelope.id)
    )
    message = SyncMessage(
        event_id=envelope.id,
        apps=APPS,
        obj_type=envelope.aggregate_type,
        obj_data=obj_data,
        obj_cmd="delete" if envelope.type.endswith("Deleted") else "put",
    )
    body = {
        "apps": message.apps,
        "data": {"obj_type": message.obj_type, "obj_data": obj_data, "obj_cmd": message.obj_cmd},
        "timestamp": envelope.timestamp_text,
    }
    return message, _encode(body).decode().translate(_SQS_REFUSED)


def inbound(body: str) -> SyncMessage:
    """Another service's message, or MalformedMessage saying what is wrong with it."""
    if why := json_refusal(body.encode()):
        raise MalformedMessage(why)
    try:
        parsed = _decode_message(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise MalformedMessage(str(error)) from None
    change = parsed.data
    if not str(change.obj_data.get("id", "")).strip():
        raise MalformedMessage("obj_data.id is required")
    return SyncMessage(
        event_id=event_id_of(change),
        apps=parsed.apps,
        obj_type=change.obj_type,
        obj_data=change.obj_data,
        obj_cmd=change.obj_cmd,
    )
