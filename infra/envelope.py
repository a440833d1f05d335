"""The event envelope of CONTRACT §7: what Kafka carries and every projection folds."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import Notification
from eventsourcing.utils import resolve_topic

from domain.aggregate import ENVELOPE_FIELDS, ID_NAMESPACE
from infra.eventstore import upcast


class Envelope(msgspec.Struct, frozen=True, kw_only=True, dict=True):
    """`dict=True` only so the text forms below are cached per envelope: several projections
    ask for the same event's ids and timestamp as text, and in a replay these conversions were
    a tenth of the CPU. Only the fields are encoded.

    `id` is None on envelopes made for in-process projections (replays, the embedded
    follower), which never read it: computing it was a fourteenth of a replay's CPU. What
    leaves the process (Kafka, SQS) always carries it."""

    id: UUID | None
    type: str
    version: str
    aggregate_type: str
    aggregate_id: UUID
    aggregate_version: int
    position: int
    timestamp: datetime
    actor_id: UUID | None
    tenant_id: UUID | None
    data: dict[str, Any]
    context: str = msgspec.field(default="")

    @cached_property
    def timestamp_text(self) -> str:
        return format_timestamp(self.timestamp)

    @cached_property
    def aggregate_id_text(self) -> str:
        return str(self.aggregate_id)

    @cached_property
    def actor_id_text(self) -> str | None:
        return str(self.actor_id) if self.actor_id else None

    @cached_property
    def tenant_id_text(self) -> str | None:
        return str(self.tenant_id) if self.tenant_id else None


class EventKind(msgspec.Struct, frozen=True):
    context: str
    aggregate_type: str
    type: str
    version: int
    cls: Any


@lru_cache(maxsize=16384)
def format_timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds: sorts as text the same way as in time. Cached: several
    projections ask for the same event's text, and `strftime` was a tenth of a replay's CPU."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@lru_cache(maxsize=4096)
def topic_context(topic: str) -> str:
    """The bounded context of a stored event's topic: `domain.<context>.<module>:<class>`."""
    parts = topic.partition(":")[0].split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "domain" else parts[0]


@lru_cache(maxsize=4096)
def event_kind(topic: str) -> EventKind:
    """Context, aggregate type and event type named by a stored event's topic."""
    outer, _, event_name = topic.partition(":")[2].rpartition(".")
    cls = resolve_topic(topic)
    return EventKind(
        context=topic_context(topic),
        aggregate_type=_snake(outer.rpartition(".")[2] or event_name),
        type=event_name,
        version=getattr(cls, "class_version", 1),
        cls=cls,
    )


class _StoredHead(msgspec.Struct):
    """The envelope fields every stored event carries, converted by msgspec (in C) from the
    decoded state rather than parsed field by field in Python."""

    timestamp: datetime
    actor_id: UUID | None = None
    tenant_id: UUID | None = None


_decoder = msgspec.json.Decoder()
_NAMESPACE_BYTES = ID_NAMESPACE.bytes
_FULL_TIMESTAMP = len("2026-01-01T00:00:00.000000Z")


def event_id(aggregate_key: str, aggregate_version: int) -> UUID:
    """`uuid5(ID_NAMESPACE, "<aggregate id>:<version>")`, the event's stable id, computed
    without the `uuid5` wrapper's extra conversions (it ran once per event in replays)."""
    name = f"{aggregate_key}:{aggregate_version}".encode()
    return UUID(bytes=hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()[:16],
                version=5)


def envelope_from_notification(notification: Notification, with_id: bool = True) -> Envelope:
    kind = event_kind(notification.topic)
    state = _decoder.decode(notification.state)
    head = msgspec.convert(state, _StoredHead)
    timestamp_text = state["timestamp"]
    if kind.version > 1:
        state = upcast(kind.cls, state)
    data = {k: v for k, v in state.items() if k not in ENVELOPE_FIELDS}
    originator = notification.originator_id
    aggregate_key = str(originator)
    envelope = Envelope(
        id=event_id(aggregate_key, notification.originator_version) if with_id else None,
        type=kind.type,
        version=f"v{kind.version}",
        aggregate_type=kind.aggregate_type,
        aggregate_id=originator if isinstance(originator, UUID) else UUID(aggregate_key),
        aggregate_version=notification.originator_version,
        position=notification.id,
        timestamp=head.timestamp,
        actor_id=head.actor_id,
        tenant_id=head.tenant_id,
        data=data,
        context=kind.context,
    )
    envelope.__dict__["aggregate_id_text"] = aggregate_key
    if len(timestamp_text) == _FULL_TIMESTAMP:
        envelope.__dict__["timestamp_text"] = timestamp_text
    return envelope


_encoder = msgspec.json.Encoder()
_envelope_decoder = msgspec.json.Decoder(Envelope)


def encode_envelope(envelope: Envelope) -> bytes:
    return _encoder.encode(envelope)


def decode_envelope(payload: bytes) -> Envelope:
    return _envelope_decoder.decode(payload)
