"""Placing orders, reading them back, and what is refused (CONTRACT §4)."""
from __future__ import annotations

import uuid


def test_order_answer_and_read_models(stack, shop):
    pen, ink = shop.create_product(stock=10, price="1.50"), shop.create_product(stock=10, price="2.25")
    buyer = stack.new_user()["token"]
    with stack.client(buyer) as http:
        placed = http.post("/api/v1/orders/", json={"items": [
            {"product_id": pen["id"], "quantity": 2}, {"product_id": ink["id"], "quantity": 1},
            {"product_id": pen["id"], "quantity": 1}]})
        assert placed.status_code == 201, placed.text
        order = placed.json()
        assert order["status"] == "confirmed" and order["total"] == "6.75"
        assert [(i["product_id"], i["quantity"], i["unit_price"], i["subtotal"]) for i in order["items"]] == [
            (pen["id"], 3, "1.50", "4.50"), (ink["id"], 1, "2.25", "2.25")]
        seen = {"X-Min-Position": str(order["position"])}
        detail = http.get(f"/api/v1/orders/{order['id']}/", headers=seen)
        listing = http.get("/api/v1/orders/", headers=seen)
    expected = {k: v for k, v in order.items() if k != "position"}
    assert detail.status_code == 200 and detail.json() == expected
    assert listing.json()["count"] == 1 and listing.json()["results"] == [expected]


def test_single_product_form_and_another_users_order_is_not_found(stack, shop):
    product = shop.create_product(stock=3)
    owner, other = stack.new_user()["token"], stack.new_user()["token"]
    with stack.client(owner) as http:
        placed = http.post("/api/v1/orders/", json={"product_id": product["id"], "quantity": 2})
    assert placed.status_code == 201 and placed.json()["total"] == "39.80"
    seen = {"X-Min-Position": str(placed.json()["position"])}
    with stack.client(other) as http:
        assert http.get(f"/api/v1/orders/{placed.json()['id']}/", headers=seen).status_code == 404
        assert http.get("/api/v1/orders/", headers=seen).json()["count"] == 0


def test_idempotent_checkout_returns_the_first_order_and_appends_nothing(stack, shop):
    product = shop.create_product(stock=5)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    with stack.client(stack.new_user()["token"]) as http:
        first = http.post("/api/v1/orders/", json={"product_id": product["id"]}, headers=key)
        again = http.post("/api/v1/orders/", json={"product_id": product["id"]}, headers=key)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        orders = http.get("/api/v1/orders/", headers={"X-Min-Position": str(first.json()["position"])})
    assert orders.json()["count"] == 1
    assert shop.product(product["id"])["stock"] == 4


def test_bad_checkouts_are_refused(stack, shop):
    product = shop.create_product(stock=5)
    with stack.client(stack.new_user()["token"]) as http:
        zero = http.post("/api/v1/orders/", json={"product_id": product["id"], "quantity": 0})
        both = http.post("/api/v1/orders/", json={"product_id": product["id"],
                                                  "items": [{"product_id": product["id"]}]})
        neither = http.post("/api/v1/orders/", json={})
        unknown = http.post("/api/v1/orders/", json={"product_id": str(uuid.uuid4())})
        anonymous = stack.client().post("/api/v1/orders/", json={"product_id": product["id"]})
    assert [zero.status_code, both.status_code, neither.status_code] == [400, 400, 400]
    assert zero.json()["error"]["code"] == "INVALID_PAYLOAD"
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "NOT_FOUND"
    assert anonymous.status_code == 401
    assert shop.product(product["id"])["stock"] == 5
