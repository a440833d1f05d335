"""Checkout under contention: exactly min(N, stock) units confirmed, in every mode."""
from __future__ import annotations

from collections import Counter


def test_two_buyers_for_the_last_unit_one_wins(stack, shop):
    product = shop.create_product(stock=1)
    buyers = [stack.new_user()["token"], stack.new_user()["token"]]
    answers = shop.buy_concurrently(buyers, [{"product_id": product["id"], "quantity": 1}] * 2)
    assert sorted(a.status_code for a in answers) == [201, 409]
    refused = next(a for a in answers if a.status_code == 409).json()["error"]
    assert refused["code"] == "INSUFFICIENT_STOCK"
    assert refused["message"] == "Insufficient stock"
    assert shop.product(product["id"])["stock"] == 0


def test_200_buyers_for_50_units_sell_exactly_50(stack, shop):
    product = shop.create_product(stock=50)
    buyers = [stack.new_user()["token"] for _ in range(4)]
    answers = shop.buy_concurrently(buyers, [{"product_id": product["id"], "quantity": 1}] * 200)
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 50, 409: 150}, statuses
    assert all(a.json()["status"] == "confirmed" for a in answers if a.status_code == 201)
    assert shop.product(product["id"])["stock"] == 0
    last = max(a.json()["position"] for a in answers if a.status_code == 201)
    with stack.client(shop.admin) as http:
        listing = http.get("/api/v1/products/", params={"search": product["name"]},
                           headers={"X-Min-Position": str(last)})
    [row] = listing.json()["results"]
    assert (row["id"], row["stock"]) == (product["id"], 0)
    bought = 0
    for token in buyers:
        with stack.client(token) as http:
            orders = http.get("/api/v1/orders/", params={"page_size": 100},
                              headers={"X-Min-Position": str(last)}).json()
        bought += sum(item["quantity"] for order in orders["results"] for item in order["items"])
    assert bought == 50


def test_multi_item_order_short_on_its_second_item_reserves_nothing(stack, shop):
    plenty, scarce = shop.create_product(stock=5), shop.create_product(stock=1)
    buyer = stack.new_user()["token"]
    with stack.client(buyer) as http:
        refused = http.post("/api/v1/orders/", json={"items": [
            {"product_id": plenty["id"], "quantity": 2}, {"product_id": scarce["id"], "quantity": 2}]})
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "INSUFFICIENT_STOCK"
        assert shop.product(plenty["id"])["stock"] == 5
        assert shop.product(scarce["id"])["stock"] == 1
        placed = http.post("/api/v1/orders/", json={"items": [
            {"product_id": plenty["id"], "quantity": 2}, {"product_id": scarce["id"], "quantity": 1}]})
        assert placed.status_code == 201, placed.text
        orders = http.get("/api/v1/orders/", headers={"X-Min-Position": str(placed.json()["position"])})
    assert [o["id"] for o in orders.json()["results"]] == [placed.json()["id"]]
    assert shop.product(plenty["id"])["stock"] == 3
    assert shop.product(scarce["id"])["stock"] == 0


def test_concurrent_multi_item_orders_in_opposite_orders_do_not_deadlock(stack, shop):
    first, second = shop.create_product(stock=30), shop.create_product(stock=30)
    buyers = [stack.new_user()["token"] for _ in range(2)]
    forward = {"items": [{"product_id": first["id"], "quantity": 1}, {"product_id": second["id"], "quantity": 1}]}
    backward = {"items": list(reversed(forward["items"]))}
    answers = shop.buy_concurrently(buyers, [forward, backward] * 20)
    assert Counter(a.status_code for a in answers) == {201: 30, 409: 10}
    assert shop.product(first["id"])["stock"] == shop.product(second["id"])["stock"] == 0
