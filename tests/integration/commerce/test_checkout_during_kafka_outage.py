"""Checkouts go on while Kafka is down; once it is back, every confirmed order is in the read models."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.commerce.conftest import Shop
from tests.fixtures.stack import Stack, start_production
from tests.integration.platform.production import Traffic, eventually, read_position

STOCK = 10_000


@pytest.fixture
def outage_stack(postgres_cluster, own_kafka_broker) -> Iterator[Stack]:
    yield from start_production(postgres_cluster, own_kafka_broker.bootstrap, TESSERA_MIN_POSITION_WAIT="1")


def checkout_command(stack: Stack, token: str, product_id: str, order_ids: list[str]):  # noqa: ANN201
    def checkout() -> int:
        with stack.client(token) as http:
            answer = http.post("/api/v1/orders/", json={"product_id": product_id, "quantity": 1})
        assert answer.status_code == 201, answer.text
        order_ids.append(answer.json()["id"])
        return int(answer.json()["position"])
    return checkout


def listed_order_ids(stack: Stack, token: str) -> list[str]:
    ids, url = [], "/api/v1/orders/?page_size=100"
    with stack.client(token) as http:
        while url:
            page = http.get(url).json()
            ids += [order["id"] for order in page["results"]]
            url = page["next"]
    return ids


def test_a_kafka_stop_during_checkouts_loses_no_order(outage_stack, own_kafka_broker):
    shop, buyer = Shop(outage_stack), outage_stack.new_user()
    product = shop.create_product(STOCK, name=f"outage-{uuid.uuid4().hex[:8]}")
    order_ids: list[str] = []
    command = checkout_command(outage_stack, buyer["token"], product["id"], order_ids)
    with Traffic(outage_stack, "checkout", command) as traffic:
        traffic.wait_for(3)
        own_kafka_broker.stop()
        traffic.wait_for(len(traffic.positions) + 5)
        own_kafka_broker.start()
        traffic.wait_for(len(traffic.positions) + 5)
    eventually(outage_stack, lambda: read_position(outage_stack) >= max(traffic.positions), 180,
               "the read models to catch up after the outage")
    assert sorted(listed_order_ids(outage_stack, buyer["token"])) == sorted(order_ids)
    assert shop.product(product["id"])["stock"] == STOCK - len(order_ids)
