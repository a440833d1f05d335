"""Fan-out of projection frames to subscribers, in position order, with gap-free resume.

Frames reach the hub after their projection batch committed: straight from the in-process
follower in embedded mode, or from the projectors' Kafka topic in production. Projectors
working on several partitions can commit position 105 before 103, so frames are held until
the projectors' watermark says nothing lower can still come, then released in order. A client
resuming with `?since=` reads the stored frames up to the released position and then takes
live frames after the last one it saw: no gaps, no duplicates.
"""
from __future__ import annotations

import asyncio
import heapq
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from typing import Any

import msgspec

Frame = dict[str, Any]
BACKLOG_PAGE = 500
_decode = msgspec.json.Decoder().decode


def frame_key(frame: Frame) -> tuple[int, str, int]:
    """Total order of frames: by event position, then channel, then order within the event."""
    return frame["position"], frame["channel"], frame.get("seq", 0)


class Subscription:
    """One socket's view of the hub: a queue of frames for its channels. An ephemeral frame
    goes to every socket on its channel but its sender's (`"sender"`: a typist does not see
    their own typing)."""

    def __init__(self, hub: PushHub, channels: Iterable[str], max_queue: int = 10_000,
                 owner: str | None = None) -> None:
        self.hub = hub
        self.owner = owner
        self.channels = set(channels)
        self.queue: asyncio.Queue[Frame] = asyncio.Queue()
        self.max_queue = max_queue
        self.overflowed = False
        self.floor: int | None = None

    def skip_through(self, position: int) -> None:
        """Live frames up to `position` are not sent: a greeting (a snapshot read after they
        were committed) already showed their effect. Queued between subscribing and the
        greeting, they used to follow it, older than the frame before them."""
        self.floor = position

    def offer(self, frame: Frame) -> None:
        if self.queue.qsize() >= self.max_queue:
            self.overflowed = True
            return
        self.queue.put_nowait(frame)

    async def frames(self, since: int | None) -> AsyncIterator[Frame]:
        start = since if since is not None else self.floor
        last = (start, "\uffff", 1 << 30) if start is not None else (-1, "", -1)
        if since is not None:
            async for frame in self.hub.backlog(self.channels, since):
                last = frame_key(frame)
                yield frame
        while not self.overflowed:
            frame = await self.queue.get()
            if frame.get("ephemeral"):
                if self.owner is None or frame.get("sender") != self.owner:
                    yield frame
            elif frame_key(frame) > last:
                last = frame_key(frame)
                yield frame
        for frame in self._rest_of_position(last):
            yield frame

    def _rest_of_position(self, last: tuple[int, str, int]) -> list[Frame]:
        """The queued frames that share the position of the last one sent: an event's frames
        share its position (one read receipt, several `status` frames), and a client resumes
        with `?since=<last position seen>`, which skips that whole position. Cut off after
        the first of them (closed for lagging), it never got the others."""
        rest = []
        while not self.queue.empty():
            frame = self.queue.get_nowait()
            if frame.get("ephemeral") or frame_key(frame) <= last:
                continue
            if frame["position"] != last[0]:
                break
            rest.append(frame)
        return rest

    def close(self) -> None:
        self.hub.unsubscribe(self)


class PushHub:
    def __init__(self, store: Any, ordered_by_watermark: bool = False) -> None:
        self.store = store
        self.ordered_by_watermark = ordered_by_watermark
        self.released = 0
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self._held: list[tuple[tuple[int, str, int], int, Frame]] = []
        self._counter = 0
        self.changed = asyncio.Event()

    def subscribe(self, channels: Iterable[str], owner: str | None = None) -> Subscription:
        subscription = Subscription(self, channels, owner=owner)
        for channel in subscription.channels:
            self._subscribers[channel].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        for channel in subscription.channels:
            subscribers = self._subscribers.get(channel)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[channel]

    @property
    def subscriber_count(self) -> int:
        return len({id(s) for subs in self._subscribers.values() for s in subs})

    def publish(self, frames: Iterable[Frame], watermark: int | None = None) -> None:
        """Deliver frames; with watermarks, hold each until the watermark passes it.

        Ephemeral frames (`"ephemeral": True`, e.g. typing indicators) are no events: they go
        out at once, are never stored for `?since=`, and carry the released position.
        """
        frames = list(frames)
        for frame in frames:
            if frame.get("ephemeral"):
                self._deliver({**frame, "position": self.released})
        frames = [frame for frame in frames if not frame.get("ephemeral")]
        if not self.ordered_by_watermark:
            for frame in sorted(frames, key=frame_key):
                self._deliver(frame)
            if watermark is not None:
                self.released = max(self.released, watermark)
            return
        for frame in frames:
            self._counter += 1
            heapq.heappush(self._held, (frame_key(frame), self._counter, frame))
        if watermark is not None:
            self.release_until(watermark)

    def release_until(self, watermark: int) -> None:
        while self._held and self._held[0][0][0] <= watermark:
            self._deliver(heapq.heappop(self._held)[2])
        self.released = max(self.released, watermark)

    def _deliver(self, frame: Frame) -> None:
        if not self.ordered_by_watermark and not frame.get("ephemeral"):
            self.released = max(self.released, frame["position"])
        for subscription in tuple(self._subscribers.get(frame["channel"], ())):
            subscription.offer(frame)

    async def backlog(self, channels: Iterable[str], since: int) -> AsyncIterator[Frame]:
        """Stored frames after `since`, up to what live delivery had released when the resume
        began, in frame order, `BACKLOG_PAGE` rows of a channel at a time. The backlog was one
        read of everything: `?since=0` on presence, which any user may open, held every join
        and leave the platform ever had in the push service's memory at once."""
        until = self.released
        streams = [self._channel_backlog(name, since, until) for name in sorted(channels)]
        heads: list[tuple[tuple[int, str, int], int, Frame]] = []
        for index, stream in enumerate(streams):
            await _push_next(heads, index, stream)
        while heads:
            _, index, frame = heapq.heappop(heads)
            yield frame
            await _push_next(heads, index, streams[index])

    async def _channel_backlog(self, channel: str, since: int, until: int) -> AsyncIterator[Frame]:
        """One channel's stored frames in (position, seq) order, by keyset pages on its key."""
        after = {"after_position": since, "after_seq": 1 << 62}
        while True:
            rows = await self.store.fetch_all(
                "SELECT position, seq, frame FROM push_frames WHERE channel = :channel "
                "AND position <= :until AND (position, seq) > (:after_position, :after_seq) "
                "ORDER BY position, seq LIMIT :page",
                {"channel": channel, "until": until, "page": BACKLOG_PAGE, **after})
            for row in rows:
                yield _decode(row["frame"])
            if len(rows) < BACKLOG_PAGE:
                return
            after = {"after_position": rows[-1]["position"], "after_seq": rows[-1]["seq"]}


async def _push_next(heads: list[tuple[tuple[int, str, int], int, Frame]], index: int,
                     stream: AsyncIterator[Frame]) -> None:
    following = await anext(stream, None)
    if following is not None:
        heapq.heappush(heads, (frame_key(following), index, following))
