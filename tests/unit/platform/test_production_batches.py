"""The pure parts of production mode: watermark bookkeeping, batches by source, push merging."""
from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import uuid4

import msgspec

from infra.config import Settings
from infra.envelope import Envelope, encode_envelope
from infra.kafka import (
    BATCH_HEADER,
    WATERMARK_HEADER,
    BatchNote,
    Claim,
    Watermarks,
    contexts,
    decode_claim,
    encode_batch_note,
    encode_claim,
    partition_for,
)
from infra.readstore import SqliteReadStore
from projectors import agents
from projectors.agents import Projector, RelayBatches, push_messages, source_batches
from projectors.projection import Projection, load_projections, on
from projectors.clock import RelayClaims
from projectors.runtime import FLOOR, create_tables
from query_api.push.hub import PushHub
from query_api.push.kafka_feed import KafkaPushFeed

A, B = ("t.identity", 0), ("t.identity", 1)


def _event(position: int) -> bytes:
    return encode_envelope(Envelope(
        id=uuid4(), type="UserRegistered", version="v1", aggregate_type="user", aggregate_id=uuid4(),
        aggregate_version=1, position=position, timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        actor_id=None, tenant_id=None, data={}, context="identity"))


def _mark(position: int) -> dict[str, bytes]:
    return {WATERMARK_HEADER: str(position).encode()}


def test_markers_go_only_where_the_watermark_is_behind_and_not_too_often():
    marks = Watermarks([A, B], interval=0.02)
    assert marks.due(5, now=1.0, skip={A}) == [B]
    marks.record([A, B], 5, now=1.0)
    assert marks.due(5, now=1.5, skip=set()) == []
    assert marks.due(9, now=1.01, skip=set()) == []
    assert abs(marks.wait_seconds(9, now=1.01) - 0.01) < 1e-9
    assert marks.due(9, now=1.03, skip=set()) == [A, B]
    assert Watermarks([A]).wait_seconds(0, now=1.0) is None


def test_partitioning_is_kafkas_key_hash_and_stable():
    aggregate = uuid4()
    assert partition_for(aggregate, 3) == partition_for(str(aggregate), 3)
    assert {partition_for(uuid4(), 3) for _ in range(200)} == {0, 1, 2}


def test_batches_per_partition_drop_a_resent_tail_and_keep_the_highest_watermark():
    records = [("t.identity", 0, {}, _event(3)), ("t.identity", 0, _mark(7), _event(5)),
               ("t.identity", 0, {}, _event(3)), ("t.identity", 0, _mark(9), _event(5)),
               ("t.identity", 1, _mark(9), b"")]
    batches = {b.source: b for b in source_batches(records)}
    assert [e.position for e in batches["t.identity:0"].events] == [3, 5]
    assert batches["t.identity:0"].watermark == 9
    assert batches["t.identity:1"].events == [] and batches["t.identity:1"].watermark == 9


def test_push_messages_carry_frames_in_chunks_and_the_watermarks_last():
    frames = [{"position": i, "channel": "c", "type": "t", "data": {}} for i in range(450)]
    messages = [msgspec.json.decode(m) for m in push_messages(frames, ["users"], {"t.identity:0": 9})]
    assert [len(m["frames"]) for m in messages] == [200, 200, 50]
    assert "sources" not in messages[0] and messages[-1]["sources"] == {"t.identity:0": 9}
    assert messages[-1]["projections"] == ["users"]


def test_push_messages_stay_under_kafkas_record_size_whatever_their_frames_weigh():
    """By count alone, 200 chat frames of 40 kB made an 8 MB message, which Kafka refuses."""
    frames = [{"position": i, "channel": "c", "type": "t", "data": {"text": "é" * 150_000}} for i in range(7)]
    encoded = push_messages(frames, ["chat"], {"t.chat:0": 7})
    assert all(len(message) <= agents.PUSH_MESSAGE_BYTES + 1000 for message in encoded)
    decoded = [msgspec.json.decode(message) for message in encoded]
    assert [f["position"] for m in decoded for f in m["frames"]] == list(range(7))
    assert [len(m["frames"]) for m in decoded] == [1] * 7 and decoded[-1]["sources"] == {"t.chat:0": 7}


def test_the_feed_releases_a_frame_once_every_projection_passed_it_on_every_source():
    async def scenario() -> list[int]:
        hub = PushHub(store=None, ordered_by_watermark=True)
        feed = KafkaPushFeed(Settings())
        feed.expected = {"users": ["t.identity:0", "t.identity:1"], "orders": ["t.commerce:0"]}
        feed._runtime = SimpleNamespace(hub=hub)
        subscription = hub.subscribe(["c"])
        frame = {"type": "t", "channel": "c", "position": 5, "data": {}, "seq": 0}

        def receive(projections, sources, frames=()):
            feed.receive(msgspec.json.encode({"frames": list(frames), "projections": projections,
                                              "sources": sources}))
            return subscription.queue.qsize()

        sizes = [receive(["users"], {"t.identity:0": 6, "t.identity:1": 6}, [frame]),
                 receive(["users", "orders"], {"t.identity:0": 4, "t.other:0": 9}),
                 receive(["orders"], {"t.commerce:0": 5})]
        return sizes + [hub.released]

    assert asyncio.run(scenario()) == [0, 0, 1, 5]


class IdentityCounter(Projection):
    name = "test_identity_counter"
    contexts = ("identity",)
    tables = {"test_identity_seen": "CREATE TABLE IF NOT EXISTS test_identity_seen (position BIGINT PRIMARY KEY)"}

    @on("UserRegistered")
    def seen(self, event, w):
        w.execute("INSERT INTO test_identity_seen (position) VALUES (:p)", {"p": event.position})
        w.push("seen", "seen", {})


class CommerceCounter(Projection):
    name = "test_commerce_counter"
    contexts = ("commerce",)


def test_one_batch_is_one_transaction_and_each_projection_records_only_its_own_sources(tmp_path):
    store = SqliteReadStore(tmp_path / "read.sqlite")
    projections = [IdentityCounter(), CommerceCounter()]
    create_tables(store, projections)
    projector = Projector(Settings(kafka_topic_prefix="t"), store, None, projections)
    records = [("t.identity", 0, {}, _event(1)), ("t.identity", 0, {}, _event(1)),
               ("t.commerce", 2, _mark(4), b""), ("t.identity", 1, _mark(4), b"")]
    messages = [msgspec.json.decode(m) for m in projector.apply(records)]
    with store.transaction() as tx:
        rows = tx.fetch_all("SELECT projection, source, position FROM projection_positions ORDER BY 1, 2")
        seen = tx.fetch_all("SELECT position FROM test_identity_seen")
    assert [tuple(r.values()) for r in rows] == [
        ("test_commerce_counter", "t.commerce:2", 4),
        ("test_identity_counter", "t.identity:0", 1), ("test_identity_counter", "t.identity:1", 4)]
    assert seen == [{"position": 1}]
    assert [f["position"] for f in messages[-1]["frames"]] == [1]
    assert messages[-1]["sources"] == {"t.identity:0": 1, "t.commerce:2": 4, "t.identity:1": 4}


def test_every_projection_consumes_contexts_that_have_a_topic():
    """A context without a topic would hold the production read position at 0 for ever."""
    for projection in load_projections():
        if type(projection).__module__.startswith("projectors."):
            assert set(projection.contexts) <= set(contexts()), projection.name


def test_a_claim_names_the_last_position_told_to_every_partition_that_was_told():
    marks = Watermarks([A, B, ("t.commerce", 0)])
    marks.record([A], 5, now=1.0)
    marks.record([B], 9, now=1.0)
    claim = decode_claim(encode_claim(marks.claim(12)))
    assert claim == Claim(12, {"t.identity:0": 5, "t.identity:1": 9})


def test_a_claim_raises_a_floor_only_once_every_source_reached_what_was_told_there():
    claims = RelayClaims({"users": ["s:0", "s:1"], "orders": ["o:0"]})
    claims.hear(Claim(10, {"s:0": 4, "s:1": 7, "o:0": 2}))
    claims.hear(Claim(12, {"s:0": 11, "s:1": 7, "o:0": 2}))
    assert claims.floor("users", {"s:0": 4, "s:1": 6}) == 0
    assert claims.floor("users", {"s:0": 4, "s:1": 7}) == 10
    assert claims.floor("users", {"s:0": 11, "s:1": 7}) == 12
    assert claims.floor("users", {FLOOR: 11, "s:1": 7}) == 12
    assert claims.floor("orders", {"o:0": 2}) == 12
    assert claims.settle() == {"users": 12, "orders": 12}
    assert claims.claims == []


def test_a_batch_note_foretells_the_claim_only_from_the_claim_before_it():
    claims = RelayClaims({"users": ["s:0", "s:1", "s:2"]})
    claims.hear_batch(12, BatchNote(after=10, touched=["s:0"]))
    assert claims.claims == []  # the claim for 10 was never heard: nothing to build on
    claims.hear(Claim(10, {"s:0": 4, "s:1": 7, "s:2": 10}))
    claims.hear(Claim(11, {"s:0": 11, "s:1": 7, "s:2": 10}))
    claims.hear_batch(12, BatchNote(after=11, touched=["s:0", "s:2"]))
    assert claims.claims[-1] == Claim(12, {"s:0": 12, "s:1": 7, "s:2": 12})
    assert claims.floor("users", {"s:0": 12, "s:1": 7, "s:2": 10}) == 11  # s:2's part not read yet
    assert claims.floor("users", {"s:0": 12, "s:1": 7, "s:2": 12}) == 12


def test_a_claim_every_floor_passed_is_not_kept_so_it_costs_no_transaction():
    """The relay's own claim for a batch whose note already raised the floors comes late."""
    claims = RelayClaims({"users": ["s:0"]})
    claims.hear(Claim(10, {"s:0": 10}))
    assert claims.floor("users", {"s:0": 10}) == 10 and claims.settle() == {"users": 10}
    claims.hear(Claim(10, {"s:0": 10}))
    claims.hear(Claim(9, {"s:0": 9}))
    assert claims.claims == [] and claims.oldest_heard_at() is None
    claims.hear_batch(12, BatchNote(after=10, touched=["s:0"]))  # passed claims still foretell
    assert claims.claims == [Claim(12, {"s:0": 12})]


def _record(topic: str, partition: int, watermark: int = 0, note: BatchNote | None = None) -> tuple:
    if not watermark:
        return (topic, partition, {}, _event(1))
    headers = {**_mark(watermark), **({BATCH_HEADER: encode_batch_note(note)} if note else {})}
    return (topic, partition, headers, _event(watermark))


def test_a_gathering_is_whole_once_every_partition_of_its_batches_it_consumes_was_read():
    gathered = RelayBatches(consumed=lambda: {"t.chat:0", "t.chat:1", "t.chat:2"})
    note = BatchNote(after=10, touched=["t.chat:0", "t.chat:1", "t.other:0"])  # t.other: not ours
    gathered.add("e1", _record("t.chat", 0))
    assert not gathered.whole()  # t.chat:0's part of the batch goes on
    gathered.add("e2", _record("t.chat", 0, 14, note))
    assert not gathered.whole()  # t.chat:1 was written too and not read yet
    gathered.add("e3", _record("t.chat", 1, 14, note))
    assert gathered.whole()
    events, records, notes = gathered.take()
    assert events == ["e1", "e2", "e3"] and len(records) == 3
    assert [end for end, _ in notes] == [14, 14]
    assert not gathered.whole() and gathered.since is None


def test_a_batch_split_over_two_gatherings_is_whole_once_its_rest_arrives():
    """After an overdue gathering was applied as it was, what was read stays known."""
    gathered = RelayBatches(consumed=lambda: {"t.chat:0", "t.chat:1"})
    note = BatchNote(after=10, touched=["t.chat:0", "t.chat:1"])
    gathered.add("e1", _record("t.chat", 0, 14, note))
    assert not gathered.whole()
    gathered.take()
    gathered.add("e2", _record("t.chat", 1, 14, note))
    assert gathered.whole()


def test_an_overdue_gathering_is_applied_as_it_is():
    async def scenario() -> list[list[str]]:
        applied: list[list[str]] = []
        gathered = RelayBatches(consumed=lambda: {"t.chat:0", "t.chat:1"})

        async def flush() -> None:
            applied.append(gathered.take()[0])

        watcher = asyncio.create_task(agents.flush_when_overdue(gathered, flush))
        note = BatchNote(after=10, touched=["t.chat:0", "t.chat:1"])
        gathered.add("e1", _record("t.chat", 0, 14, note))
        await asyncio.sleep(agents.WHOLE_BATCH_WAIT / 2)
        first = list(applied)
        await asyncio.sleep(agents.WHOLE_BATCH_WAIT)
        watcher.cancel()
        return [*first, *applied]

    assert asyncio.run(scenario()) == [["e1"]]


def test_floors_found_by_a_batch_that_rolled_back_are_forgotten():
    claims = RelayClaims({"users": ["s:0"]})
    claims.hear(Claim(10, {"s:0": 4}))
    assert claims.floor("users", {"s:0": 4}) == 10
    claims.discard()
    assert claims.settle() == {} and len(claims.claims) == 1


def test_a_claim_lifts_each_projection_floor_once_its_own_sources_caught_up(tmp_path):
    store = SqliteReadStore(tmp_path / "read.sqlite")
    projections = [IdentityCounter(), CommerceCounter()]
    create_tables(store, projections)
    settings = Settings(kafka_topic_prefix="t", kafka_partitions=2)
    projector = Projector(settings, store, None, projections)
    told = {"t.identity:0": 3, "t.identity:1": 3, "t.commerce:0": 3, "t.commerce:1": 3}
    projector.claims.hear(Claim(8, {**told, "t.identity:0": 8}))
    assert projector.apply([]) == []  # nobody reached what was told yet
    early = [msgspec.json.decode(m) for m in projector.apply(
        [("t.identity", 0, _mark(8), _event(2)), ("t.identity", 1, _mark(3), b"")])]
    assert early[-1]["floors"] == {"test_identity_counter": 8}  # commerce has not reached 3 yet
    late = [msgspec.json.decode(m) for m in projector.apply(
        [("t.commerce", 0, _mark(3), b""), ("t.commerce", 1, _mark(3), b"")])]
    assert late[-1]["floors"] == {"test_commerce_counter": 8}
    assert projector.claims.claims == []
    with store.transaction() as tx:
        floors = tx.fetch_all("SELECT projection, position FROM projection_positions WHERE source = '*'")
    assert sorted((r["projection"], r["position"]) for r in floors) == [
        ("test_commerce_counter", 8), ("test_identity_counter", 8)]


def _claims_scenario(tmp_path, monkeypatch, claim: Claim, agent_batch: list | None) -> tuple[list[dict], list]:
    """Both partitions applied up to 3; then `claim` is heard and the agent's batch (if any)
    comes within the grace."""
    monkeypatch.setattr(agents, "CLAIM_GRACE", 0.05)
    store = SqliteReadStore(tmp_path / "read.sqlite")
    projections = [IdentityCounter()]
    create_tables(store, projections)
    projector = Projector(Settings(kafka_topic_prefix="t", kafka_partitions=2), store, None, projections)
    projector.apply([("t.identity", 0, _mark(3), _event(3)), ("t.identity", 1, _mark(3), b"")])
    published: list[dict] = []
    applied = projector.apply

    def counted(records: list) -> list[bytes]:
        published.append({"batch of": len(records)})
        return applied(records)

    async def publish(messages: list[bytes]) -> None:
        published.extend(msgspec.json.decode(m) for m in messages)

    async def scenario() -> None:
        projector.apply = counted  # type: ignore[method-assign]
        projector.claims.hear(claim, time.monotonic())
        left_behind = asyncio.create_task(agents.raise_floors_left_behind(projector, publish))
        if agent_batch:
            await asyncio.sleep(0.01)
            async with projector.lock:
                await publish(projector.apply(agent_batch))
        await asyncio.wait_for(left_behind, 1.0)

    asyncio.run(scenario())
    return published, projector.claims.claims


def test_a_claim_the_agents_batch_used_costs_no_transaction_of_its_own(tmp_path, monkeypatch):
    published, left = _claims_scenario(tmp_path, monkeypatch, Claim(8, {"t.identity:0": 8, "t.identity:1": 3}),
                                       agent_batch=[("t.identity", 0, _mark(8), _event(8))])
    assert [m.get("batch of", m.get("floors")) for m in published] == [1, {"test_identity_counter": 8}]
    assert left == []


def test_a_claim_no_batch_used_raises_the_floors_alone_after_the_grace(tmp_path, monkeypatch):
    """The relay's batch went to other topics: nothing comes to the agent."""
    published, left = _claims_scenario(tmp_path, monkeypatch, Claim(8, {"t.identity:0": 3, "t.identity:1": 3}),
                                       agent_batch=None)
    assert [m.get("batch of", m.get("floors")) for m in published] == [0, {"test_identity_counter": 8}]
    assert left == []


def test_only_a_batch_of_claims_alone_commits_without_waiting_for_the_disk(tmp_path):
    """Floors are restated by every later claim and no Kafka offset waits on them; a batch
    with records is acknowledged to Kafka after its commit, so it must be durable."""
    store = SqliteReadStore(tmp_path / "read.sqlite")
    projections = [IdentityCounter()]
    create_tables(store, projections)
    durability: list[bool] = []
    transaction = store.transaction

    def recorded(durable: bool = True, live: bool = False):
        assert live, "a projector's batch waits while a replay holds the read models"
        durability.append(durable)
        return transaction(durable=durable, live=live)

    store.transaction = recorded  # type: ignore[method-assign]
    projector = Projector(Settings(kafka_topic_prefix="t", kafka_partitions=2), store, None, projections)
    projector.apply([("t.identity", 0, _mark(3), _event(3)), ("t.identity", 1, _mark(3), b"")])
    projector.claims.hear(Claim(8, {"t.identity:0": 3, "t.identity:1": 3}))
    assert projector.apply([])
    projector.apply([("t.identity", 1, _mark(9), b"")])
    assert durability == [True, False, True]


def test_the_feed_releases_frames_up_to_a_floor_raised_by_a_claim():
    async def scenario() -> list[int]:
        hub = PushHub(store=None, ordered_by_watermark=True)
        feed = KafkaPushFeed(Settings())
        feed.expected = {"users": ["t.identity:0", "t.identity:1"]}
        feed._runtime = SimpleNamespace(hub=hub)
        subscription = hub.subscribe(["c"])
        frame = {"type": "t", "channel": "c", "position": 5, "data": {}, "seq": 0}
        feed.receive(msgspec.json.encode({"frames": [frame], "projections": ["users"],
                                          "sources": {"t.identity:0": 5}, "floors": {}}))
        held = subscription.queue.qsize()
        feed.receive(msgspec.json.encode({"frames": [], "projections": ["users"], "sources": {},
                                          "floors": {"users": 6}}))
        return [held, subscription.queue.qsize(), hub.released]

    assert asyncio.run(scenario()) == [0, 1, 6]
