"""Messaging-channel commands over HTTP (CONTRACT §8), for admin and support."""

from __future__ import annotations

from typing import Any

from litestar import Request, delete, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from command_api.channels.driver import StubDriver
from command_api.channels.schemas import InjectMessage, SendMessage
from domain.channels.application import ChannelsApplication
from domain.errors import ForbiddenError
from infra.runtime import Runtime

API = "/api/v1/whatsapp"


def staff_only(request: Request) -> None:
    if not request.user.is_staff:
        raise ForbiddenError("Only admin and support may use the messaging channel")


@post(f"{API}/session/start", status_code=HTTP_202_ACCEPTED)
async def start_session(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    staff_only(request)
    channels = runtime.app(ChannelsApplication)
    session, position = await runtime.execute(channels.start_session, actor=request.user.id)
    if position is not None:
        runtime.resource(StubDriver).connect(runtime)
    return {"status": session.status, "position": position}


@delete(f"{API}/session", status_code=HTTP_204_NO_CONTENT)
async def end_session(request: Request, runtime: NamedDependency[Runtime]) -> None:
    """204 once `session/status` says so (no body, so no position to wait for)."""
    staff_only(request)
    channels = runtime.app(ChannelsApplication)
    _, position = await runtime.execute(channels.end_session, "ended by an operator", actor=request.user.id)
    await runtime.wait_for_projections(position)


@post(f"{API}/messages", status_code=HTTP_202_ACCEPTED)
async def send_message(data: JSONBody[SendMessage], request: Request,
                       runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    staff_only(request)
    channels = runtime.app(ChannelsApplication)
    status, _ = await runtime.execute(channels.session_status)
    message, position = await runtime.execute(
        channels.send_message, data.to, data.type, data.text, actor=request.user.id
    )
    runtime.resource(StubDriver).send(runtime, message.id, status)
    return {"message_id": str(message.id), "position": position}


@post(f"{API}/stub/inbound", status_code=HTTP_202_ACCEPTED)
async def inject_message(data: JSONBody[InjectMessage], request: Request,
                         runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """The stub driver only: a message as if a contact had sent it."""
    staff_only(request)
    channels = runtime.app(ChannelsApplication)
    message, position = await runtime.execute(
        channels.receive_message, data.sender, data.type, data.text, actor=request.user.id
    )
    return {"message_id": str(message.id), "position": position}


router = [start_session, end_session, send_message, inject_message]
