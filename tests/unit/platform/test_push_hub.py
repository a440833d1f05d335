"""The hub releases frames in position order and resumes without gaps or duplicates."""
from __future__ import annotations

import asyncio

import msgspec

from infra.readstore import SqliteReadStore
from projectors.runtime import RUNTIME_TABLES
from query_api.push.hub import BACKLOG_PAGE, PushHub
from query_api.push.sockets import pump_frames, wire_text


def frame(position, channel="c", seq=0):
    return {"type": "t", "channel": channel, "position": position, "seq": seq, "data": {"p": position}}


def received(subscription, count, since=None):
    async def take():
        out = []
        async for item in subscription.frames(since):
            out.append(item["position"])
            if len(out) == count:
                return out
    return asyncio.wait_for(take(), 2)


def test_frames_are_held_until_the_watermark_passes_them():
    async def scenario():
        hub = PushHub(store=None, ordered_by_watermark=True)
        subscription = hub.subscribe(["c"])
        hub.publish([frame(105)], watermark=None)
        hub.publish([frame(103)], watermark=104)
        assert subscription.queue.qsize() == 1
        hub.publish([], watermark=105)
        return await received(subscription, 2)

    assert asyncio.run(scenario()) == [103, 105]


def test_resume_reads_the_backlog_then_live_frames_without_duplicates(tmp_path):
    store = SqliteReadStore(tmp_path / "r.sqlite")
    with store.transaction() as tx:
        for statement in RUNTIME_TABLES:
            tx.execute(statement)
        for position in (1, 2, 3):
            tx.execute("INSERT INTO push_frames (position, seq, channel, frame) VALUES (:p, 0, 'c', :f)",
                       {"p": position, "f": f'{{"type":"t","channel":"c","position":{position},"seq":0,"data":{{}}}}'})

    async def scenario():
        hub = PushHub(store)
        hub.released = 3
        subscription = hub.subscribe(["c"])
        hub.publish([frame(3), frame(4)])
        return await received(subscription, 3, since=1)

    assert asyncio.run(scenario()) == [2, 3, 4]


class CountingStore:
    """The read store, recording how many rows each backlog read returned."""

    def __init__(self, store):
        self.store, self.reads = store, []

    async def fetch_all(self, sql, params=None):
        rows = await self.store.fetch_all(sql, params)
        self.reads.append(len(rows))
        return rows


def test_a_resume_reads_its_backlog_a_bounded_page_at_a_time_in_frame_order(tmp_path):
    """`?since=0` on a platform-wide channel read every frame it ever had in one go."""
    store = SqliteReadStore(tmp_path / "r.sqlite")
    stored = [frame(position, channel, seq) for position in range(1, 700)
              for channel in ("a", "b") for seq in range(position % 3) if position % 5 or channel == "a"]
    with store.transaction() as tx:
        for statement in RUNTIME_TABLES:
            tx.execute(statement)
        for item in stored:
            tx.execute("INSERT INTO push_frames (position, seq, channel, frame) VALUES (:p, :s, :c, :f)",
                       {"p": item["position"], "s": item["seq"], "c": item["channel"],
                        "f": msgspec.json.encode(item).decode()})
    counting = CountingStore(store)

    async def scenario():
        hub = PushHub(counting)
        hub.released = 650
        return [(f["position"], f["channel"], f["seq"]) async for f in hub.backlog(["b", "a", "z"], since=3)]

    expected = sorted((f["position"], f["channel"], f["seq"]) for f in stored if 3 < f["position"] <= 650)
    assert len(expected) > 2 * BACKLOG_PAGE
    assert asyncio.run(scenario()) == expected
    assert max(counting.reads) == BACKLOG_PAGE and len(counting.reads) > 3


def test_a_frame_goes_out_as_its_four_contract_fields_encoded_once_for_every_socket():
    """Twenty sockets on a chat channel get the same dict from the hub: the text is the
    contract's `{type, channel, position, data}` (no `seq`, no `ephemeral`), made once."""
    shared = {**frame(7), "ephemeral": False}
    first = wire_text(shared)
    assert msgspec.json.decode(first) == {"type": "t", "channel": "c", "position": 7, "data": {"p": 7}}
    shared["data"] = {"changed": True}  # a second encoding would show this
    assert wire_text(shared) is first


class RecordingSocket:
    def __init__(self):
        self.sent, self.closed = [], None

    async def send_text(self, text):
        self.sent.append(text)

    async def close(self, code, reason):
        self.closed = (code, reason)


def test_a_socket_whose_frames_fail_is_closed_so_its_client_resumes():
    """The backlog read failing (the database away) ended the pump alone: the socket stayed
    open and nothing was ever sent on it again."""
    class FailingBacklog:
        async def frames(self, since):
            yield frame(1)
            raise OSError("database unreachable")

    socket = RecordingSocket()
    asyncio.run(pump_frames(socket, FailingBacklog(), since=0))
    assert len(socket.sent) == 1
    assert socket.closed == (4500, "server error; reconnect with ?since=")


def test_a_lagging_socket_gets_the_rest_of_the_position_it_is_in_before_it_stops():
    """Frames of one event share its position; stopped after the first of them, a client
    resuming with `?since=<that position>` never got the others."""
    async def scenario():
        hub = PushHub(store=None)
        subscription = hub.subscribe(["c"])
        subscription.max_queue = 3
        hub.publish([frame(1, seq=0), frame(1, seq=1), frame(1, seq=2)])
        stream = subscription.frames(None)
        got = [await anext(stream)]
        hub.publish([frame(2, seq=0), frame(2, seq=1)])  # the queue overflows: the socket lags
        assert subscription.overflowed
        got += [item async for item in stream]
        return [(f["position"], f["seq"]) for f in got]

    assert asyncio.run(scenario()) == [(1, 0), (1, 1), (1, 2)]


def test_frames_queued_before_a_greeting_are_not_sent_after_it():
    """A greeting is a snapshot at a position; live frames up to it, queued while it was read,
    followed it out of order."""
    async def scenario():
        hub = PushHub(store=None)
        subscription = hub.subscribe(["c"])
        hub.publish([frame(4), frame(5)])
        subscription.skip_through(5)
        hub.publish([frame(6)])
        return await received(subscription, 1)

    assert asyncio.run(scenario()) == [6]
