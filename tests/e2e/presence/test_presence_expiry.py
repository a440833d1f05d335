"""Presence across push processes: leases renewed by heartbeats, expired when a process dies.

Defaults: a heartbeat every 3 s and leases of 10 s, so a crashed process's users go offline
within about 13 s (TESSERA_PRESENCE_HEARTBEAT, TESSERA_PRESENCE_LEASE); the test stacks use
1 s and 4 s (tests/fixtures/stack.py).
"""
from __future__ import annotations

import os
import signal

import httpx

from tests.e2e.presence.conftest import online_ids

EXPIRY_SECONDS = 40


def test_tabs_on_two_push_replicas_count_as_one_user(stack, push_replica, watchers, wait_until):
    observer, dave = stack.new_user(), stack.new_user()
    dave_id = dave["user"]["id"]
    watcher = watchers(stack.ws_url, observer["token"])
    here = watchers(stack.ws_url, dave["token"])
    watchers(push_replica["ws_url"], dave["token"])
    assert watcher.next_for(dave_id)["data"]["is_online"] is True
    here.close()
    assert dave_id in online_ids(stack, observer["token"])
    push_replica["process"].terminate()
    assert watcher.next_for(dave_id, timeout=EXPIRY_SECONDS)["data"]["is_online"] is False


def test_users_of_a_killed_push_process_go_offline_when_its_leases_expire(
        stack, push_replica, watchers, wait_until):
    observer, erin = stack.new_user(), stack.new_user()
    erin_id = erin["user"]["id"]
    watcher = watchers(stack.ws_url, observer["token"])
    watchers(push_replica["ws_url"], erin["token"])
    assert watcher.next_for(erin_id)["data"]["is_online"] is True
    os.killpg(push_replica["process"].pid, signal.SIGKILL)
    push_replica["process"].wait(10)
    left = watcher.next_for(erin_id, timeout=EXPIRY_SECONDS)["data"]
    assert left["is_online"] is False
    assert erin_id not in online_ids(stack, observer["token"])


def test_after_the_serving_process_is_killed_and_restarted_online_users_is_right(
        production_stack, watchers, wait_until):
    """Production mode: SIGKILL `tessera serve` (push included) and start it again."""
    stack = production_stack
    observer, frank = stack.new_user(), stack.new_user()
    frank_id = frank["user"]["id"]
    watcher = watchers(stack.ws_url, observer["token"])
    watchers(stack.ws_url, frank["token"])
    joined = watcher.next_for(frank_id)
    stack.kill("serve")
    stack.start("serve")
    wait_until(lambda: _ready(stack), timeout=60, message="serve back up")
    wait_until(lambda: frank_id not in online_ids(stack, observer["token"]), timeout=EXPIRY_SECONDS,
               message="Frank's lease expired")
    resumed = watchers(stack.ws_url, observer["token"], since=joined["position"])
    assert resumed.next_for(frank_id)["data"]["is_online"] is False


def _ready(stack) -> bool:
    try:
        return httpx.get(f"{stack.base_url}/health/ready/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
