"""One checkout (POST orders/, CONTRACT §4) is one trace: HTTP, command, store append and the
projector's apply; in production the relay's produce and the projector's apply run in other
processes, joined through the stored event and the Kafka record's headers."""

from __future__ import annotations

import uuid
from typing import Any


def checkout(stack: Any, request_id: str) -> dict[str, Any]:
    with stack.client(stack.admin_token()) as http:
        product = http.post(
            "/api/v1/products/", json={"name": f"traced-{request_id}", "price": "3.00", "stock": 5}
        )
    assert product.status_code == 201, product.text
    with stack.client(stack.new_user()["token"]) as http:
        order = http.post(
            "/api/v1/orders/",
            json={"product_id": product.json()["id"], "quantity": 1},
            headers={"X-Request-ID": request_id},
        )
    assert order.status_code == 201, order.text
    return order.json()


def test_a_checkout_is_one_trace(traced_stack, collector, wait_until):
    request_id = uuid.uuid4().hex
    checkout(traced_stack, request_id)
    [http] = wait_until(
        lambda: collector.find("HTTP POST /api/v1/orders", **{"tessera.request_id": request_id}),
        20,
        message="the checkout's HTTP span",
    )
    expected = {
        "HTTP POST /api/v1/orders",
        "command place_order",
        "eventstore.append",
        "projector.apply",
    }
    if traced_stack.mode == "production":
        expected |= {"relay.produce"}

    def complete() -> list[dict[str, Any]]:
        spans = collector.trace(http["trace_id"])
        return spans if expected <= {s["name"] for s in spans} else []

    spans = wait_until(complete, 30, message=f"spans {sorted(expected)} in one trace")
    by_id = {s["span_id"]: s for s in spans}

    def parent(span: dict[str, Any]) -> dict[str, Any]:
        return by_id[span["parent_id"]]

    [command] = [s for s in spans if s["name"] == "command place_order"]
    assert parent(command) == http
    store = [s for s in spans if s["name"] == "eventstore.append"]
    assert all(parent(s) == command for s in store)
    applied = [s for s in spans if s["name"] == "projector.apply"]
    if traced_stack.mode == "production":
        produced = [s for s in spans if s["name"] == "relay.produce"]
        assert all(parent(s) == command and s["service"] == "tessera-relay" for s in produced)
        assert all(
            parent(s)["name"] == "relay.produce" and s["service"] == "tessera-projector"
            for s in applied
        )
    else:  # the in-process follower continues the trace stamped into the stored events
        assert all(parent(s) == command and s["service"] == "tessera-serve" for s in applied)
    assert {http["service"], command["service"]} == {"tessera-serve"}
