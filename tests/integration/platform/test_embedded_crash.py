"""Embedded mode (`make run`) killed mid-stream loses nothing and counts nothing twice.

Eight clients register users and check out while `tessera serve` gets SIGKILL; it is started
again on the same data. Every command answered 201 is then in the read models exactly once
(a command whose answer the kill cut off may be there too: it committed), the stock shown is
the store's, and `tessera verify` finds no difference, on SQLite and on PostgreSQL. The
in-process follower resumes from the positions each projection stored with its writes.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.stack import Stack, start_embedded, wait_healthy
from tests.integration.platform.shoppers import CLIENTS, STOCK, Shoppers, assert_verify_finds_no_difference


@pytest.fixture(params=["embedded", "embedded_pg"])
def crash_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    env = {}
    if request.param == "embedded_pg":
        env["TESSERA_DATABASE_URL"] = request.getfixturevalue("postgres_cluster").create_database()
    yield from start_embedded(f"{request.param}_crash", env)


def test_a_killed_embedded_server_restarts_with_every_accepted_command_once(crash_stack):
    stack = crash_stack
    with Shoppers(stack) as shoppers:
        shoppers.wait_for_orders(100)
        stack.kill("serve")
        before_restart = len(shoppers.orders)
        stack.start("serve")
        wait_healthy(stack.base_url, stack.processes["serve"], stack.logs["serve"])
        shoppers.wait_for_orders(before_restart + 50)
    assert shoppers.server_errors == []
    users, orders, stock = shoppers.read_back()
    assert len(shoppers.users) <= users <= len(shoppers.users) + CLIENTS
    assert len(shoppers.orders) <= orders <= len(shoppers.orders) + CLIENTS
    assert stock == STOCK - orders
    assert_verify_finds_no_difference(stack)
