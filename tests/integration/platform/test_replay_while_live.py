"""`tessera replay` and `tessera verify` run while the system takes commands, in every mode.

A replay builds the read models in a shadow store while the live path goes on, then applies
what the live path applied meanwhile and swaps the tables in. Before, it rebuilt the live
tables in place: on PostgreSQL it deadlocked with live batches and left read models short of
rows, bearer checks failed while `users` refilled, and frames were lost. Verify reads the live
side in one snapshot and rebuilds each projection to its own position in it. Eight clients
register and check out throughout.
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg

import pytest

from tests.e2e.chat.flows import Person, frames_until, is_message
from tests.fixtures.stack import STACK_MODES, Stack, start_variant
from tests.integration.platform.shoppers import (
    STOCK,
    Chatter,
    Listener,
    Shoppers,
    TokenChecks,
    assert_verify_finds_no_difference,
)


@pytest.fixture(scope="module", params=STACK_MODES)
def replayed_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """One stack per mode for the module: a replay and a verify each need a log long enough
    to take a while, so the second test runs on the first one's log."""
    yield from start_variant(request, request.param, "replay", {})


def test_a_replay_beside_live_traffic_keeps_read_models_whole_tokens_valid_and_every_frame(replayed_stack):
    """One replay while shoppers register and check out, a valid token is shown over HTTP and
    a socket, and a chat conversation is live. Before the shadow store, the replay rebuilt
    `users` in place, so every bearer check failed until its row was refilled (401, sockets
    4401); and events appended while it held the read models were applied by it without
    frames, then skipped by the live path: subscribers and `?since=` never saw them."""
    stack = replayed_stack
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    conversation = ann.conversation(bob)
    with Shoppers(stack) as shoppers:
        shoppers.wait_for_orders(100)  # a log long enough for the replay to take a while
        with (TokenChecks(stack, stack.new_user()["token"]) as checks,
              bob.socket(conversation) as socket, Listener(stack, socket) as live,
              Chatter(ann, conversation) as chatter):
            checks.wait_for(5)
            chatter.wait_for(10)
            run_replay(stack)
            shoppers.wait_for_orders(len(shoppers.orders) + 20)
            checks.wait_for(len(checks.positions) + 5)
            chatter.wait_for(len(chatter.said) + 10)
            chatter.stop()
            last = chatter.said[-1]
            live.wait_until(is_message(last["text"]))
    assert shoppers.server_errors == []
    accepted = (len(shoppers.users), len(shoppers.orders), STOCK - len(shoppers.orders))
    assert shoppers.read_back() == accepted
    for log in stack.logs.values():
        assert "projection batch failed" not in log.read_text(errors="replace"), stack.log_tails()
    assert checks.refused == []
    said = [message["id"] for message in chatter.said]
    assert [f["data"]["id"] for f in live.positions if f and f["type"] == "message"] == said
    since = chatter.said[0]["position"] - 1
    with bob.socket(conversation, since=since, ready=False) as resumed:
        backlog = frames_until(resumed, is_message(last["text"]), 60)
    assert [f["data"]["id"] for f in backlog if f["type"] == "message"] == said
    assert_verify_finds_no_difference(stack)


def run_replay(stack: Stack) -> None:
    replayed = subprocess.run([sys.executable, "-m", "infra.cli", "replay"], env=stack.env,
                              capture_output=True, text=True, timeout=300)
    assert replayed.returncode == 0, replayed.stdout[-2000:] + replayed.stderr[-3000:]


def test_verify_beside_live_commands_finds_no_difference_but_finds_a_tampered_row(replayed_stack):
    stack = replayed_stack
    with Shoppers(stack) as shoppers:
        shoppers.wait_for_orders(100)
        assert_verify_finds_no_difference(stack)
        tamper(stack, "UPDATE users SET first_name = 'Tampered' WHERE email = :email", shoppers.users[0])
        try:
            report = subprocess.run([sys.executable, "-m", "infra.cli", "verify"], env=stack.env,
                                    capture_output=True, text=True, timeout=300)
        finally:  # the module's stack stays whole for whatever runs after
            tamper(stack, "UPDATE users SET first_name = 'Crash' WHERE email = :email", shoppers.users[0])
    assert report.returncode == 1, report.stdout[-2000:] + report.stderr[-2000:]
    differences = json.loads(report.stdout.strip().splitlines()[-1])["differences"]
    assert list(differences) == ["users"] and differences["users"]["counts"] == [1, 1], json.dumps(differences)[:6000]
    assert differences["users"]["only_live"][0]["first_name"] == "Tampered"


def tamper(stack: Stack, sql: str, email: str) -> None:
    """Change a live read-model row behind the projections' back."""
    url = stack.env.get("TESSERA_DATABASE_URL")
    if url:
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute(sql.replace(":email", "%(email)s"), {"email": email}).rowcount == 1
    else:
        with sqlite3.connect(Path(stack.env["TESSERA_DATA_DIR"]) / "read.sqlite", timeout=30) as conn:
            assert conn.execute(sql, {"email": email}).rowcount == 1
