"""The text forms projections write (ids, timestamp) are cached per envelope and equal the
plain conversions, whichever way the stored timestamp was written."""
from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4, uuid5

import msgspec
from eventsourcing.persistence import Notification

from domain.acting import acting_as
from domain.aggregate import ID_NAMESPACE
from domain.tenancy.project import Project
from infra.envelope import (
    decode_envelope,
    encode_envelope,
    envelope_from_notification,
    format_timestamp,
)
from infra.config import Settings
from infra.eventstore import MsgspecMapper, open_recorder
from projectors import runtime as projection_runtime


def stored_project_created(timestamp: datetime | None = None) -> Notification:
    with acting_as(uuid4(), uuid4()):
        event = Project(uuid4(), "Roadmap", "").collect_events()[0]
    stored = MsgspecMapper().to_stored_event(event)
    state = stored.state
    if timestamp is not None:
        fields = msgspec.json.decode(state)
        fields["timestamp"] = timestamp
        state = msgspec.json.encode(fields)
    return Notification(id=7, originator_id=stored.originator_id, originator_version=1,
                        topic=stored.topic, state=state)


def test_text_forms_equal_the_plain_conversions():
    envelope = envelope_from_notification(stored_project_created())
    assert envelope.aggregate_id_text == str(envelope.aggregate_id)
    assert envelope.actor_id_text == str(envelope.actor_id)
    assert envelope.tenant_id_text == str(envelope.tenant_id)
    assert envelope.timestamp_text == format_timestamp(envelope.timestamp)
    assert envelope.id == uuid5(ID_NAMESPACE, f"{envelope.aggregate_id}:1")


def test_a_timestamp_stored_without_microseconds_still_reads_with_six_digits():
    moment = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    envelope = envelope_from_notification(stored_project_created(moment))
    assert envelope.timestamp == moment
    assert envelope.timestamp_text == "2026-03-01T12:00:00.000000Z"


def test_the_wire_form_carries_fields_only_and_decodes_with_fresh_text_forms():
    envelope = envelope_from_notification(stored_project_created())
    assert envelope.timestamp_text and envelope.aggregate_id_text
    wire = msgspec.json.decode(encode_envelope(envelope))
    assert "timestamp_text" not in wire and "aggregate_id_text" not in wire
    decoded = decode_envelope(encode_envelope(envelope))
    assert decoded == envelope
    assert decoded.timestamp_text == envelope.timestamp_text
    assert decoded.actor_id_text == envelope.actor_id_text


def test_in_process_projections_get_envelopes_without_the_id_they_never_read():
    """Replays and the embedded follower skip the id (a fourteenth of a replay's CPU); every
    other field is the same as on the envelope the relay sends."""
    stored = stored_project_created()
    sent, folded = envelope_from_notification(stored), envelope_from_notification(stored, with_id=False)
    assert sent.id == uuid5(ID_NAMESPACE, f"{sent.aggregate_id}:1") and folded.id is None
    assert msgspec.structs.replace(folded, id=sent.id) == sent


def test_replays_and_the_follower_read_the_log_as_envelopes_without_ids(tmp_path):
    recorder = open_recorder(Settings(data_dir=tmp_path))
    with acting_as(uuid4(), uuid4()):
        recorder.insert_events([MsgspecMapper().to_stored_event(Project(uuid4(), "A", "").collect_events()[0])])
    [(_, envelopes)] = list(projection_runtime.log_batches(recorder, 0, None, 100))
    assert [e.id for e in envelopes] == [None]
