"""Commerce commands over HTTP (CONTRACT §4): products (admin) and checkout."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from command_api.commerce.representation import order_body, product_body
from command_api.commerce.schemas import AdjustStock, CreateProduct, PlaceOrder
from domain.commerce.application import CommerceApplication
from domain.errors import ForbiddenError
from infra.runtime import Runtime

API = "/api/v1"


def require_admin(request: Request) -> None:
    if not request.user.is_admin:
        raise ForbiddenError("Only an admin may manage products")


@post(f"{API}/products", status_code=HTTP_201_CREATED)
async def create_product(data: JSONBody[CreateProduct], request: Request,
                         runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    require_admin(request)
    commerce = runtime.app(CommerceApplication)
    product, position = await runtime.execute(commerce.create_product, data.name, data.price, data.stock,
                                              actor=request.user.id)
    await runtime.wait_for_projections(position)
    return {**product_body(product), "position": position}


@patch(f"{API}/products/{{product_id:uuid}}/stock", status_code=HTTP_200_OK)
async def adjust_stock(product_id: FromPath[UUID], data: JSONBody[AdjustStock], request: Request,
                       runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    require_admin(request)
    commerce = runtime.app(CommerceApplication)
    product, position = await runtime.execute(commerce.adjust_stock, product_id, data.delta,
                                              actor=request.user.id)
    await runtime.wait_for_projections(position)
    return {**product_body(product), "position": position}


@post(f"{API}/orders", status_code=HTTP_201_CREATED)
async def place_order(data: JSONBody[PlaceOrder], request: Request,
                      runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    commerce = runtime.app(CommerceApplication)
    placed, _ = await runtime.execute(commerce.place_order, request.user.id, data.lines(),
                                      actor=request.user.id)
    return {**order_body(placed.order), "position": placed.position}


# Plain handlers, not a Router: reads and commands share paths across services.
router = [create_product, adjust_stock, place_order]
