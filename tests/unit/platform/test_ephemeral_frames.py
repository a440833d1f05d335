"""Ephemeral frames (typing) go out at once, bypass ordering, and never hide a real frame."""
from __future__ import annotations

import asyncio

from query_api.push.hub import PushHub


def frame(position, channel="c", kind="t", ephemeral=False):
    found = {"type": kind, "channel": channel, "position": position, "seq": 0, "data": {}}
    return {**found, "ephemeral": True} if ephemeral else found


async def taken(subscription, count):
    frames = subscription.frames(None)
    return [(f["type"], f["position"]) for f in [await anext(frames) for _ in range(count)]]


def test_an_ephemeral_frame_is_not_held_by_the_watermark_and_carries_the_released_position():
    async def scenario():
        hub = PushHub(store=None, ordered_by_watermark=True)
        subscription = hub.subscribe(["c"])
        hub.publish([frame(7)], watermark=7)
        hub.publish([frame(9)], watermark=None)
        hub.publish([frame(0, kind="typing", ephemeral=True)])
        hub.publish([], watermark=9)
        return await asyncio.wait_for(taken(subscription, 3), 2), hub.released

    assert asyncio.run(scenario()) == ([("t", 7), ("typing", 7), ("t", 9)], 9)


def test_repeated_ephemeral_frames_all_arrive_and_do_not_move_the_released_position():
    async def scenario():
        hub = PushHub(store=None)
        subscription = hub.subscribe(["c"])
        hub.publish([frame(3)])
        for _ in range(2):
            hub.publish([frame(0, kind="typing", ephemeral=True)])
        hub.publish([frame(4)])
        return await asyncio.wait_for(taken(subscription, 4), 2), hub.released

    assert asyncio.run(scenario()) == ([("t", 3), ("typing", 3), ("typing", 3), ("t", 4)], 4)
