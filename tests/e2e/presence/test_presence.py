"""Presence (CONTRACT §5.5, §6): online while any `/ws/presence/` socket is open."""
from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.e2e.presence.conftest import online_ids


def when(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def test_opening_a_presence_socket_pushes_a_join_and_lists_the_user(stack, watchers, wait_until):
    observer, alice = stack.new_user(), stack.new_user(first_name="Alice", last_name="Online")
    watcher = watchers(stack.ws_url, observer["token"])
    watchers(stack.ws_url, alice["token"])
    joined = watcher.next_for(alice["user"]["id"])["data"]
    assert joined["is_online"] is True and when(joined["last_seen"]) > time.time() - 60
    listed = online_ids(stack, observer["token"])[alice["user"]["id"]]
    assert listed == {"id": alice["user"]["id"], "first_name": "Alice", "last_name": "Online",
                      "avatar_url": None, "is_online": True, "last_seen": joined["last_seen"]}


def test_a_second_tab_keeps_the_user_online_until_the_last_one_leaves(stack, watchers, wait_until):
    observer, bob = stack.new_user(), stack.new_user()
    bob_id = bob["user"]["id"]
    watcher = watchers(stack.ws_url, observer["token"])
    first_tab, second_tab = watchers(stack.ws_url, bob["token"]), watchers(stack.ws_url, bob["token"])
    assert watcher.next_for(bob_id)["data"]["is_online"] is True
    first_tab.close()
    assert bob_id in online_ids(stack, observer["token"])
    closing = time.time()
    second_tab.close()
    left = watcher.next_for(bob_id)["data"]
    # Had the first tab's close taken Bob offline, this frame would predate the second close.
    assert left["is_online"] is False and when(left["last_seen"]) >= closing - 0.5
    wait_until(lambda: bob_id not in online_ids(stack, observer["token"]), message="Bob unlisted")


def test_a_connection_dropped_without_a_close_takes_the_user_offline(stack, watchers, wait_until):
    observer, carol = stack.new_user(), stack.new_user()
    watcher = watchers(stack.ws_url, observer["token"])
    tab = watchers(stack.ws_url, carol["token"])
    assert watcher.next_for(carol["user"]["id"])["data"]["is_online"] is True
    tab.drop()
    assert watcher.next_for(carol["user"]["id"])["data"]["is_online"] is False
    assert carol["user"]["id"] not in online_ids(stack, observer["token"])


def test_every_user_sees_joins_and_leaves_and_the_socket_answers_pings(stack, watchers):
    first, second = stack.new_user(), stack.new_user()
    first_socket = watchers(stack.ws_url, first["token"])
    first_socket.next_for(first["user"]["id"])
    second_socket = watchers(stack.ws_url, second["token"])
    assert first_socket.next_for(second["user"]["id"])["data"]["is_online"] is True
    second_socket.socket.send('{"type": "ping"}')
    frames = [second_socket.socket.recv(timeout=10) for _ in range(2)]
    assert '{"type":"pong"}' in [frame.replace(" ", "") for frame in frames]
