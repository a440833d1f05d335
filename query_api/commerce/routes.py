"""Commerce reads (CONTRACT §4): the product catalogue and the caller's own orders."""
from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from infra.runtime import Runtime
from infra.web.errors import ApiError
from query_api.commerce import queries
from query_api.pagination import paginated, requested_page
from query_api.commerce.queries import ORDERINGS, ProductFilter

API = "/api/v1"
BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def product_filter(request: Request) -> ProductFilter:
    params = request.query_params
    ordering = params.get("ordering") or "created_at"
    if ordering not in ORDERINGS:
        raise ApiError(400, "INVALID_PAYLOAD", f"Unknown ordering '{ordering}'",
                       {"ordering": [f"must be one of {', '.join(ORDERINGS)}"]})
    in_stock = params.get("in_stock") or None
    if in_stock is not None and in_stock.lower() not in BOOLEANS:
        raise ApiError(400, "INVALID_PAYLOAD", "Query parameter 'in_stock' must be true or false",
                       {"in_stock": ["must be true or false"]})
    return ProductFilter(search=(params.get("search") or "").strip() or None,
                         in_stock=BOOLEANS[in_stock.lower()] if in_stock else None, ordering=ordering)


@get(f"{API}/products")
async def list_products(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    chosen, page = product_filter(request), requested_page(request)
    rows = await queries.products(runtime.store, chosen, page)
    return paginated(request, page, await queries.count_products(runtime.store, chosen), rows)


@get(f"{API}/products/{{product_id:uuid}}")
async def show_product(product_id: FromPath[UUID],
                       runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """One product, with its stock as of this request: waits until the read model has
    every event stored before the request came in (bounded like X-Min-Position)."""
    head = await asyncio.to_thread(runtime.recorder.max_notification_id)
    await runtime.wait_for_projections(head or 0)
    row = await queries.product(runtime.store, product_id)
    if row is None:
        raise ApiError(404, "NOT_FOUND", "Product not found")
    return row


@get(f"{API}/orders")
async def list_orders(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """The caller's orders, newest first."""
    page, customer = requested_page(request), request.user.id
    rows = await queries.orders_of(runtime.store, customer, page)
    return paginated(request, page, await queries.count_orders_of(runtime.store, customer), rows)


@get(f"{API}/orders/{{order_id:uuid}}")
async def show_order(order_id: FromPath[UUID], request: Request,
                     runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    row = await queries.order_of(runtime.store, order_id, request.user.id)
    if row is None:
        raise ApiError(404, "NOT_FOUND", "Order not found")
    return row


# Plain handlers, not a Router: the command side serves other methods on the same paths.
router = [list_products, show_product, list_orders, show_order]
