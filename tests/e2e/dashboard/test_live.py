"""`/ws/dashboard/`: a snapshot on connect, another whenever a count changes; staff only."""
from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def snapshot_where(socket: Any, wanted) -> dict[str, Any]:
    while True:
        frame = json.loads(socket.recv(timeout=15))
        if frame["type"] == "dashboard_data" and wanted(frame["data"]):
            return frame


def test_staff_get_a_snapshot_on_connect_and_on_every_change(stack, board):
    with connect(f"{stack.ws_url}/ws/dashboard/?token={board.admin_token}") as socket:
        first = json.loads(socket.recv(timeout=10))
        assert first["type"] == "dashboard_data" and first["channel"] == "dashboard"
        assert first["data"]["users_count"] >= 1
        count = first["data"]["notifications_count"]
        position = board.notify()
        frame = snapshot_where(socket, lambda d: d["notifications_count"] > count)
        assert frame["data"]["notifications_count"] == count + 1
        assert frame["position"] >= position
        assert frame["data"]["events_total"] > first["data"]["events_total"]


def test_plain_users_are_closed_with_4403(stack):
    token = stack.new_user()["token"]
    with connect(f"{stack.ws_url}/ws/dashboard/?token={token}") as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def test_a_bad_token_is_closed_with_4401(stack):
    with connect(f"{stack.ws_url}/ws/dashboard/?token=nope") as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_a_resume_sends_the_missed_snapshots_in_order_and_no_greeting_before_them(stack, board):
    """With `?since=`, the on-connect snapshot at the head came first and then again in the
    backlog: out of order and twice (CONTRACT §6: in order, no gaps, no duplicates)."""
    seen = board.notify()
    missed = max(board.notify(), board.notify())
    board.read(missed)
    with connect(f"{stack.ws_url}/ws/dashboard/?since={seen}&token={board.admin_token}") as socket:
        positions = [json.loads(socket.recv(timeout=15))["position"]]
        live = board.notify()
        while positions[-1] < live:
            positions.append(json.loads(socket.recv(timeout=15))["position"])
    assert positions[0] > seen and missed in positions
    assert positions == sorted(set(positions)), positions
