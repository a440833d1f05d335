"""The chat read models are the same whatever order Kafka partitions deliver events in.

Each message is its own aggregate, so a conversation's messages spread over partitions and a
projector may apply a later message before an earlier one.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from infra.envelope import Envelope
from infra.readstore import SqliteReadStore, SqliteTx
from projectors.chat.conversations_view import ChatView
from projectors.runtime import SourceBatch, apply_batches, create_tables

START = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
ANN, BOB, CID = (str(uuid4()) for _ in range(3))
CONVERSATION = str(uuid4())
MESSAGES = [str(uuid4()) for _ in range(4)]


def envelope(position: int, kind: str, aggregate: str, data: dict, context: str = "chat") -> Envelope:
    return Envelope(id=uuid4(), type=kind, version="v1", aggregate_type="x", aggregate_id=UUID(aggregate),
                    aggregate_version=1, position=position, timestamp=START + timedelta(seconds=position),
                    actor_id=None, tenant_id=None, data=data, context=context)


def history() -> list[Envelope]:
    people = [envelope(i + 1, "UserRegistered", user, {"first_name": name, "last_name": "X"}, "identity")
              for i, (user, name) in enumerate(((ANN, "Ann"), (BOB, "Bob"), (CID, "Cid")))]
    started = envelope(4, "ConversationStarted", CONVERSATION, {
        "kind": "group", "name": "g", "creator_id": ANN, "participant_ids": [ANN, BOB, CID]})
    senders = [BOB, BOB, ANN, CID]
    posted = [envelope(5 + i, "ChatMessagePosted", message, {
        "conversation_id": CONVERSATION, "sender_id": sender, "type_message": "text",
        "content": {"text": f"m{i}"}}) for i, (message, sender) in enumerate(zip(MESSAGES, senders, strict=True))]
    receipts = [
        envelope(9, "ChatMessagesDelivered", str(uuid4()), {"conversation_id": CONVERSATION, "deliveries": [
            {"user_id": ANN, "message_id": MESSAGES[1]}, {"user_id": CID, "message_id": MESSAGES[2]}]}),
        envelope(10, "ChatMessageRead", str(uuid4()), {
            "conversation_id": CONVERSATION, "message_id": MESSAGES[1], "user_id": ANN}),
        envelope(11, "ChatMessageRead", str(uuid4()), {
            "conversation_id": CONVERSATION, "message_id": MESSAGES[0], "user_id": ANN}),
    ]
    return people + [started] + posted + receipts


def rows(store: SqliteReadStore) -> dict[str, list]:
    with store.transaction() as tx:
        return {table: sorted(map(str, tx.fetch_all(f"SELECT * FROM {table}"))) for table in ChatView.tables}


@pytest.fixture
def new_store(tmp_path):
    def build(name: str) -> SqliteReadStore:
        store = SqliteReadStore(tmp_path / f"{name}.sqlite")
        create_tables(store, [ChatView()])
        return store
    return build


def test_partitions_in_any_order_give_the_rows_of_the_log_order(new_store):
    in_order, shuffled = new_store("in_order"), new_store("shuffled")
    events = history()
    frames = apply_batches(in_order, [ChatView()], [SourceBatch("*", events)])
    first, late = events[:5] + events[6:8], [events[5], events[8]]
    apply_batches(shuffled, [ChatView()], [SourceBatch("t:0", first)])
    apply_batches(shuffled, [ChatView()], [SourceBatch("t:1", late)])
    apply_batches(shuffled, [ChatView()], [SourceBatch("t:0", events[9:])])
    assert rows(in_order) == rows(shuffled)
    assert [f["type"] for f in frames].count("message") == 4


def test_unread_counts_and_cursors_follow_reads(new_store):
    store = new_store("counts")
    frames = apply_batches(store, [ChatView()], [SourceBatch("*", history())])
    with store.transaction() as tx:
        members = {r["user_id"]: r for r in tx.fetch_all("SELECT * FROM chat_members")}
    assert members[ANN]["unread_count"] == 1 and members[BOB]["unread_count"] == 2
    assert members[CID]["unread_count"] == 3
    assert members[ANN]["read_key"].endswith(MESSAGES[1]) and members[CID]["delivered_key"].endswith(MESSAGES[2])
    statuses = [(f["channel"], f["data"]["message_id"], f["data"]["changes"]) for f in frames if f["type"] == "status"]
    assert (f"chat:{CONVERSATION}:{BOB}", MESSAGES[1], [{"user_id": ANN, "status": "read"}]) in statuses
    assert len(statuses) == 5, "an older read than the cursor changes nothing and tells nobody"
    assert (f"chat:{CONVERSATION}:{ANN}", MESSAGES[2], [{"user_id": CID, "status": "delivered"}]) in statuses


def long_history(count: int) -> list[Envelope]:
    started = envelope(1, "ConversationStarted", CONVERSATION, {
        "kind": "group", "name": "g", "creator_id": ANN, "participant_ids": [ANN, BOB, CID]})
    messages = [str(uuid4()) for _ in range(count)]
    posted = [envelope(2 + i, "ChatMessagePosted", message, {
        "conversation_id": CONVERSATION, "sender_id": ANN, "type_message": "text",
        "content": {"text": f"m{i}"}}) for i, message in enumerate(messages)]
    return [started, *posted], messages


def delivered(position: int, deliveries: dict[str, str]) -> Envelope:
    return envelope(position, "ChatMessagesDelivered", str(uuid4()), {
        "conversation_id": CONVERSATION,
        "deliveries": [{"user_id": user, "message_id": message} for user, message in deliveries.items()]})


def test_a_cursor_moving_over_many_messages_tells_the_newest_hundred(new_store):
    store = new_store("long")
    events, messages = long_history(150)
    frames = apply_batches(store, [ChatView()], [SourceBatch("*", [*events, delivered(200, {CID: messages[149]})])])
    assert [f["data"]["message_id"] for f in frames if f["type"] == "status"] == messages[50:]


def test_a_cursor_that_does_not_move_does_not_widen_what_is_told(new_store):
    store = new_store("mixed")
    events, messages = long_history(150)
    apply_batches(store, [ChatView()], [SourceBatch("*", [*events, delivered(200, {BOB: messages[119]})])])
    frames = apply_batches(store, [ChatView()], [SourceBatch("*", [
        delivered(201, {BOB: messages[119], CID: messages[9]})])])
    statuses = [f for f in frames if f["type"] == "status"]
    assert [f["data"]["message_id"] for f in statuses] == messages[:10]
    assert all(change["user_id"] == CID for f in statuses for change in f["data"]["changes"])


def test_a_receipt_behind_every_cursor_tells_nobody(new_store):
    store = new_store("behind")
    events, messages = long_history(5)
    apply_batches(store, [ChatView()], [SourceBatch("*", [*events, delivered(100, {BOB: messages[4]})])])
    frames = apply_batches(store, [ChatView()], [SourceBatch("*", [delivered(101, {BOB: messages[2]})])])
    assert [f for f in frames if f["type"] == "status"] == []


def test_message_frames_name_their_senders_and_every_frame_goes_out_in_log_order(new_store):
    store = new_store("frames")
    frames = apply_batches(store, [ChatView()], [SourceBatch("*", history())])
    assert [f["position"] for f in frames] == sorted(f["position"] for f in frames)
    senders = {f["data"]["id"]: f["data"]["sender"]["first_name"] for f in frames if f["type"] == "message"}
    assert senders == dict(zip(MESSAGES, ["Bob", "Bob", "Ann", "Cid"], strict=True))
    first_status = next(i for i, f in enumerate(frames) if f["type"] == "status")
    assert all(f["type"] != "message" for f in frames[first_status:])


def test_a_batch_reads_for_all_its_receipts_and_message_frames_in_one_round_trip(new_store, monkeypatch):
    """Receipts wait for the end of the batch: one read of every receipt's cursors and the
    senders, not a round trip per receipt event while the batch's message frames wait."""
    store = new_store("one_trip")
    events, messages = long_history(3)
    apply_batches(store, [ChatView()], [SourceBatch("*", events)])
    reading: list[int] = []
    original = SqliteTx.write_all

    def counted(tx, groups, then_reads=()):
        if any("chat_" in sql for sql, _ in then_reads):
            reading.append(len(then_reads))
        return original(tx, groups, then_reads)

    monkeypatch.setattr(SqliteTx, "write_all", counted)
    answer = envelope(50, "ChatMessagePosted", str(uuid4()), {
        "conversation_id": CONVERSATION, "sender_id": BOB, "type_message": "text", "content": {"text": "hi"}})
    frames = apply_batches(store, [ChatView()], [SourceBatch("*", [
        delivered(51, {BOB: messages[0]}), answer, delivered(52, {CID: messages[2]}),
        envelope(53, "ChatMessageRead", str(uuid4()), {
            "conversation_id": CONVERSATION, "message_id": messages[1], "user_id": BOB})])])
    assert reading == [1 + 3 * 3], "the sender and three receipts' reads go in one round trip"
    statuses = [(f["position"], f["data"]["message_id"], f["data"]["changes"]) for f in frames if f["type"] == "status"]
    assert statuses == [
        (51, messages[0], [{"user_id": BOB, "status": "delivered"}]),
        (52, messages[0], [{"user_id": CID, "status": "delivered"}]),
        (52, messages[1], [{"user_id": CID, "status": "delivered"}]),
        (52, messages[2], [{"user_id": CID, "status": "delivered"}]),
        (53, messages[0], [{"user_id": BOB, "status": "read"}]),
        (53, messages[1], [{"user_id": BOB, "status": "read"}]),
    ]
