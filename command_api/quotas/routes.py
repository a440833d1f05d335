"""Quota commands over HTTP (CONTRACT §4): limits (admin), consumption, and uploads."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from litestar import Request, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from command_api.quotas.schemas import ACTION_PATTERN, Consume, SetLimit
from domain.errors import ForbiddenError, InvalidError
from domain.quotas.application import QuotasApplication
from domain.quotas.quota import QuotaStatus
from infra.runtime import Runtime

UPLOAD_ACTION = "upload"

API = "/api/v1"


def checked_action(action: str) -> str:
    if not re.fullmatch(ACTION_PATTERN, action):
        raise InvalidError("Invalid action name", {"action": [f"must match {ACTION_PATTERN}"]})
    return action


def status_body(status: QuotaStatus) -> dict[str, Any]:
    return {"action": status.action, "used": status.used, "limit": status.limit,
            "remaining": status.remaining, "resets_at": status.resets_at.strftime("%Y-%m-%dT%H:%M:%SZ")}


@put(f"{API}/quotas/limits/{{action:str}}", status_code=HTTP_200_OK)
async def set_limit(action: FromPath[str], data: JSONBody[SetLimit], request: Request,
                    runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    if not request.user.is_admin:
        raise ForbiddenError("Only an admin may set quota limits")
    quotas = runtime.app(QuotasApplication)
    limit, position = await runtime.execute(quotas.set_limit, checked_action(action), data.daily_limit,
                                            actor=request.user.id)
    return {"action": limit.action, "daily_limit": limit.daily_limit, "position": position}


@post(f"{API}/quotas/{{action:str}}/consume", status_code=HTTP_200_OK)
async def consume(action: FromPath[str], request: Request, runtime: NamedDependency[Runtime],
                  data: JSONBody[Consume | None] = None) -> dict[str, Any]:
    quotas = runtime.app(QuotasApplication)
    amount = data.amount if data else 1
    status, position = await runtime.execute(quotas.consume, request.user.id, checked_action(action),
                                             amount, datetime.now(UTC), actor=request.user.id)
    return {**status_body(status), "position": position}


@post(f"{API}/uploads", status_code=HTTP_201_CREATED)
async def upload(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    quotas = runtime.app(QuotasApplication)
    _, position = await runtime.execute(quotas.consume, request.user.id, UPLOAD_ACTION, 1,
                                        datetime.now(UTC), actor=request.user.id)
    return {"message": "Upload accepted", "position": position}


# Plain handlers, not a Router: reads and commands share paths across services.
router = [set_limit, consume, upload]
