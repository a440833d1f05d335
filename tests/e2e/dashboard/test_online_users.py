"""`online_users` follows presence: up at a user's first `/ws/presence/`, down at its last close."""
from __future__ import annotations

import json
from typing import Any

from websockets.sync.client import connect


def snapshot_where(socket: Any, wanted) -> dict[str, Any]:
    """The next snapshot that satisfies `wanted` (recv raises TimeoutError if none comes)."""
    while True:
        frame = json.loads(socket.recv(timeout=30))
        if frame["type"] == "dashboard_data" and wanted(frame["data"]):
            return frame["data"]


def test_online_users_counts_users_with_a_presence_connection(stack, board):
    token = stack.new_user()["token"]
    with connect(f"{stack.ws_url}/ws/dashboard/?token={board.admin_token}") as dashboard:
        online = json.loads(dashboard.recv(timeout=10))["data"]["online_users"]
        with connect(f"{stack.ws_url}/ws/presence/?token={token}"), \
                connect(f"{stack.ws_url}/ws/presence/?token={token}"):
            snapshot_where(dashboard, lambda d: d["online_users"] == online + 1)
        snapshot_where(dashboard, lambda d: d["online_users"] == online)
