"""The OpenAPI document at the paths of CONTRACT §9."""
from __future__ import annotations

from typing import Any

from litestar import Request, get


@get(["/api/schema"], opt={"public": True}, include_in_schema=False, sync_to_thread=False)
def openapi_schema(request: Request) -> dict[str, Any]:
    return request.app.openapi_schema.to_schema()


DOCS_HANDLERS: list[Any] = [openapi_schema]
