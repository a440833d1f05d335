"""The SQS bridge's callback (CONTRACT §8) and its start-up with the command service."""

from __future__ import annotations

import hmac
import logging
from typing import Any
from uuid import UUID

from litestar import post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from command_api.sync.bridge import SyncBridge
from command_api.sync.schemas import Change, ChangeCallback, MalformedMessage, event_id_of
from domain.errors import InvalidError, NotFoundError
from domain.sync.application import SyncApplication
from infra.runtime import Runtime
from infra.web.errors import ApiError

API = "/api/v1"
log = logging.getLogger("tessera.sync")


def app_key_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Checked before the body is read: a wrong key is 401 whatever the body."""
    scheme, _, key = connection.headers.get("authorization", "").partition(" ")
    expected = connection.app.state.runtime.settings.app_key.encode()
    if scheme.lower() != "token" or not hmac.compare_digest(key.strip().encode(), expected):
        message = "A valid 'Authorization: Token <APP_KEY>' header is required"
        raise ApiError(401, "UNAUTHORIZED", message, headers={"WWW-Authenticate": 'Token realm="event-sync"'})


def callback_event_id(data: Change) -> UUID:
    if "event_id" not in data.obj_data:
        raise InvalidError(
            "Field 'obj_data.event_id' is required", {"obj_data.event_id": ["required"]}
        )
    try:
        return event_id_of(data)
    except MalformedMessage:
        raise NotFoundError("EventSync not found") from None


@post(f"{API}/event-sync", status_code=HTTP_200_OK, opt={"public": True}, guards=[app_key_guard])
async def event_sync_callback(data: JSONBody[ChangeCallback],
                              runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    sync = runtime.app(SyncApplication)
    event_id = callback_event_id(data)
    log.info("event-sync callback for event %s (%s %s)", event_id, data.obj_cmd, data.obj_type)
    record, position = await runtime.execute(sync.acknowledge, event_id)
    return {
        "id": str(record.id),
        "event_id": str(record.event_id),
        "received": record.received,
        "processed": record.processed,
        "position": await runtime.answered_position(position, record.id),
    }


async def on_startup(runtime: Runtime) -> None:
    """Start the bridge's loops when SQS is configured (`TESSERA_SQS_ENDPOINT_URL`)."""
    if runtime.settings.sqs_endpoint_url:
        await runtime.resource(SyncBridge).start(runtime)


router = [event_sync_callback]
