"""Messaging-channel reads (CONTRACT §8), for admin and support."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from domain.errors import ForbiddenError, NotFoundError
from infra.runtime import Runtime
from query_api.channels import queries

API = "/api/v1/whatsapp"


def staff_only(request: Request) -> None:
    if not request.user.is_staff:
        raise ForbiddenError("Only admin and support may use the messaging channel")


@get(f"{API}/session/status")
async def session_status(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    staff_only(request)
    return {"status": await queries.session_status(runtime.store)}


@get(f"{API}/messages/{{message_id:str}}")
async def message_detail(message_id: FromPath[str], request: Request,
                         runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    staff_only(request)
    found = await queries.message(runtime.store, message_id)
    if found is None:
        raise NotFoundError("Message not found")
    return found


router = [session_status, message_detail]
