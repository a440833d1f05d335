"""The SQS bridge's rules without servers: message bodies, batching, once-per-event-id."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from command_api.sync.schemas import MalformedMessage, inbound, outbound
from domain.sync.application import SyncApplication
from domain.sync.message import SentMessage, SyncMessage
from infra.config import load_settings
from infra.envelope import Envelope
from infra.runtime import Runtime
from infra.sqs import BATCH_BYTES, _chunks


def envelope(type_: str, **data: object) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=type_,
        version="v1",
        aggregate_type="book",
        aggregate_id=uuid.uuid4(),
        aggregate_version=1,
        position=7,
        timestamp=datetime(2026, 1, 31, 12, 0, tzinfo=UTC),
        actor_id=None,
        tenant_id=None,
        data=dict(data),
        context="catalog",
    )


def test_outbound_body_has_the_contract_shape_without_secrets():
    event = envelope("BookCreated", title="Dune", password_hash="x", reset_token="y")
    message, body = outbound(event)
    assert json.loads(body) == {
        "apps": {"source": "tessera"},
        "timestamp": "2026-01-31T12:00:00.000000Z",
        "data": {
            "obj_type": "book",
            "obj_cmd": "put",
            "obj_data": {
                "title": "Dune",
                "id": str(event.aggregate_id),
                "event_type": "BookCreated",
                "event_id": str(event.id),
            },
        },
    }
    assert message.event_id == event.id


def test_deletions_are_sent_as_delete():
    assert outbound(envelope("BookDeleted"))[0].obj_cmd == "delete"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        json.dumps({"apps": {}, "timestamp": "t"}),
        json.dumps(
            {
                "apps": {},
                "timestamp": "t",
                "data": {"obj_type": "x", "obj_cmd": "put", "obj_data": {"id": "1"}},
            }
        ),
        json.dumps(
            {
                "apps": {},
                "timestamp": "t",
                "data": {
                    "obj_type": "x",
                    "obj_cmd": "upsert",
                    "obj_data": {"id": "1", "event_id": str(uuid.uuid4())},
                },
            }
        ),
        json.dumps(
            {
                "apps": {},
                "timestamp": "t",
                "data": {
                    "obj_type": "x",
                    "obj_cmd": "put",
                    "obj_data": {"event_id": str(uuid.uuid4())},
                },
            }
        ),
    ],
)
def test_malformed_inbound_messages_are_refused(body):
    with pytest.raises(MalformedMessage):
        inbound(body)


def test_outbound_bodies_hold_only_characters_sqs_accepts_and_decode_to_the_same_text():
    """SQS refuses a body with a character outside #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD
    #x10000-#x10FFFF (moto does not check, SQS does)."""
    name = "odd \ufffe\uffff \x01\x1f\x7f \U0001f600 \ud7ff\ue000"
    _, body = outbound(envelope("BookCreated", name=name))
    assert all(ord(c) in (0x9, 0xA, 0xD) or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD
               or ord(c) >= 0x10000 for c in body)
    assert json.loads(body)["data"]["obj_data"]["name"] == name


def test_an_inbound_message_holding_a_null_character_is_refused():
    body = json.dumps({"apps": {}, "timestamp": "t", "data": {
        "obj_type": "book", "obj_cmd": "put",
        "obj_data": {"id": "1", "event_id": str(uuid.uuid4()), "title": "a\x00b"}}})
    assert "\\u0000" in body
    with pytest.raises(MalformedMessage, match="Null characters are not allowed"):
        inbound(body)


def test_an_inbound_message_nested_too_deep_is_refused():
    body = '{"apps": {}, "timestamp": "t", "data": ' + "[" * 5000 + "]" * 5000 + "}"
    with pytest.raises(MalformedMessage, match="JSON nested deeper than"):
        inbound(body)


def test_batches_stay_within_sqs_limits():
    assert [len(c) for c in _chunks(["x"] * 23)] == [10, 10, 3]
    big = "y" * (BATCH_BYTES // 2 + 1)
    assert [len(c) for c in _chunks([big, big, big])] == [1, 1, 1]


@pytest.fixture
def sync(tmp_path) -> SyncApplication:
    return Runtime(load_settings({}, data_dir=tmp_path)).open_storage().app(SyncApplication)


def change(obj_cmd: str = "put", obj_id: str = "c1", **data: object) -> SyncMessage:
    return SyncMessage(
        event_id=uuid.uuid4(),
        apps={},
        obj_type="contact",
        obj_data={"id": obj_id, **data},
        obj_cmd=obj_cmd,
    )


def test_an_inbound_event_is_applied_once(sync):
    message = change(name="Ann")
    assert sync.apply_inbound(message) is True
    assert sync.apply_inbound(message) is False
    assert sync.apply_inbound(change("delete")) is True


def test_sent_messages_are_recorded_once(sync):
    first, second = change(), change()
    assert sync.record_sent([SentMessage(first, "q", "m1")]) == 1
    assert sync.record_sent([SentMessage(first, "q", "m1"), SentMessage(second, "q", "m2")]) == 1
    assert sync.is_sent(second.event_id)
    record = sync.acknowledge(first.event_id)
    assert (record.sent, record.received, record.processed) == (True, True, True)
