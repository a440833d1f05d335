"""Product administration and the catalogue read model (CONTRACT §4)."""
from __future__ import annotations

import uuid


def test_admin_creates_and_restocks_products(stack, shop):
    created = shop.create_product(stock=2, price="19.9")
    assert created["price"] == "19.90" and created["stock"] == 2 and isinstance(created["position"], int)
    with stack.client(shop.admin) as http:
        restocked = http.patch(f"/api/v1/products/{created['id']}/stock/", json={"delta": 5})
        too_many = http.patch(f"/api/v1/products/{created['id']}/stock/", json={"delta": -8})
        removed = http.patch(f"/api/v1/products/{created['id']}/stock/", json={"delta": -7})
        bad_price = http.post("/api/v1/products/", json={"name": "x", "price": "1.999", "stock": 1})
        negative = http.post("/api/v1/products/", json={"name": "x", "price": "1.00", "stock": -1})
    assert restocked.status_code == 200 and restocked.json()["stock"] == 7
    assert too_many.status_code == 409 and too_many.json()["error"]["code"] == "INSUFFICIENT_STOCK"
    assert removed.status_code == 200 and removed.json()["stock"] == 0
    assert bad_price.status_code == 400 and negative.status_code == 400
    assert shop.product(created["id"]) == {"id": created["id"], "name": created["name"],
                                           "price": "19.90", "stock": 0}


def test_only_admins_manage_products_and_anyone_signed_in_reads_them(stack, shop):
    product = shop.create_product(stock=1)
    user = stack.new_user()["token"]
    with stack.client(user) as http:
        create = http.post("/api/v1/products/", json={"name": "x", "price": "1.00", "stock": 1})
        restock = http.patch(f"/api/v1/products/{product['id']}/stock/", json={"delta": 1})
        assert create.status_code == restock.status_code == 403
        assert http.get(f"/api/v1/products/{product['id']}/").json()["stock"] == 1
        assert http.get(f"/api/v1/products/{uuid.uuid4()}/").status_code == 404
    assert stack.client().get(f"/api/v1/products/{product['id']}/").status_code == 401


def test_listing_searches_filters_orders_and_pages(stack, shop):
    tag = uuid.uuid4().hex[:8]
    cheap = shop.create_product(stock=0, price="1.00", name=f"Cheap {tag} b")
    mid = shop.create_product(stock=4, price="5.00", name=f"Mid {tag} c")
    dear = shop.create_product(stock=9, price="9.50", name=f"Dear {tag} a")

    def names(**params):
        with stack.client(shop.admin) as http:
            answer = http.get("/api/v1/products/", params={"search": tag.upper(), **params},
                              headers={"X-Min-Position": str(dear["position"])})
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert [p["id"] for p in names(ordering="price")["results"]] == [cheap["id"], mid["id"], dear["id"]]
    assert [p["id"] for p in names(ordering="-price")["results"]] == [dear["id"], mid["id"], cheap["id"]]
    assert [p["id"] for p in names(ordering="name")["results"]] == [cheap["id"], dear["id"], mid["id"]]
    assert [p["id"] for p in names(in_stock="true", ordering="price")["results"]] == [mid["id"], dear["id"]]
    assert [p["id"] for p in names(in_stock="false")["results"]] == [cheap["id"]]
    first = names(ordering="price", page_size=2)
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"] and first["previous"] is None
    assert names(ordering="price", page=2, page_size=2)["results"][0]["id"] == dear["id"]
    with stack.client(shop.admin) as http:
        assert http.get("/api/v1/products/", params={"ordering": "stock; drop"}).status_code == 400
        assert http.get("/api/v1/products/", params={"in_stock": "maybe"}).status_code == 400


def test_ordering_by_name_ignores_case_as_books_and_courses_do(stack, shop):
    """It was bytewise: every uppercase name came before every lowercase one."""
    tag = uuid.uuid4().hex[:8]
    made = {name: shop.create_product(stock=1, name=f"{name} {tag}") for name in ("banana", "Cherry", "apple", "Apple")}
    with stack.client(shop.admin) as http:
        def ordered(ordering):
            answer = http.get("/api/v1/products/", params={"search": tag, "ordering": ordering},
                              headers={"X-Min-Position": str(made["Apple"]["position"])})
            assert answer.status_code == 200, answer.text
            return [p["name"].split()[0] for p in answer.json()["results"]]

        assert ordered("name") == ["apple", "Apple", "banana", "Cherry"]
        assert ordered("-name") == ["Cherry", "banana", "apple", "Apple"]
