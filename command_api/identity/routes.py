"""Identity commands over HTTP (CONTRACT §2): registration, sessions, mailed tokens, profiles."""
from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar import Request, delete, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from command_api.identity import mails, tokens
from command_api.identity.representation import user_body
from command_api.identity.schemas import (
    ChangeAccessLevel,
    ConfirmEmail,
    ForgotPassword,
    Login,
    RefreshSession,
    RegisterUser,
    ResetPassword,
    UpdateProfile,
)
from domain.identity.application import IdentityApplication
from domain.identity.errors import EmailTakenError
from domain.identity.user import User, normalized_email
from infra.passwords import hash_password, verify_password
from infra.runtime import Runtime
from infra.throttle import login_throttle, reset_mail_throttle

AUTH, USERS = "/api/v1/auth", "/api/v1/users"
PUBLIC = {"public": True}
FORGOT_MESSAGE = "If an account exists for this email, a password reset mail has been sent"


async def hashed(runtime: Runtime, password: str) -> str:
    """Off the event loop (a hash takes ~0.1 s), with the configured profile."""
    password_hash, _ = await runtime.execute(hash_password, password, runtime.settings.password_hashing)
    return password_hash


@post(f"{AUTH}/register", opt=PUBLIC, status_code=HTTP_201_CREATED)
async def register(data: JSONBody[RegisterUser],
                   runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    password_hash = await hashed(runtime, data.password)
    user, position = await runtime.execute(
        identity(runtime).register, data.email, password_hash, data.first_name, data.last_name,
        data.phone, data.gender, data.date_of_birth)
    await queue_mail(runtime, mails.CONFIRM, user)
    await runtime.wait_for_projections(position)
    return {"user": user_body(user), "expired_at": tokens.MAIL_TOKEN_SECONDS[mails.CONFIRM],
            **dev_only(runtime, user, mails.CONFIRM), "position": position}


@post(f"{AUTH}/login", opt=PUBLIC, status_code=HTTP_200_OK)
async def login(data: JSONBody[Login], request: Request,
                runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    throttle, client = runtime.resource(login_throttle), client_address(request)
    email = normalized_email(data.email)
    throttle.attempt(client, email)
    (user, session), position = await runtime.execute(
        identity(runtime).log_in, data.email, data.password, verify_password, tokens.new_jti())
    throttle.succeeded(client, email)
    return {"user": user_body(user), **tokens.session_tokens(runtime.settings, user, session),
            "position": position}


@post(f"{AUTH}/refresh", opt=PUBLIC, status_code=HTTP_200_OK)
async def refresh(data: JSONBody[RefreshSession],
                  runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    session_id, jti = tokens.read_refresh_token(runtime.settings, data.refresh)
    (user, session), position = await runtime.execute(
        identity(runtime).refresh_session, session_id, jti, tokens.new_jti())
    return {**tokens.session_tokens(runtime.settings, user, session), "position": position}


@post(f"{AUTH}/confirm_email", opt=PUBLIC, status_code=HTTP_200_OK)
async def confirm_email(data: JSONBody[ConfirmEmail],
                        runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    user_id, _, email = tokens.read_mail_token(runtime.settings, data.token, tokens.CONFIRM_EMAIL)
    user, position = await runtime.execute(identity(runtime).confirm_email, user_id, email,
                                           actor=user_id)
    position = await settled(runtime, position, user.id)
    return {"user": user_body(user), **tokens.access_token(runtime.settings, user),
            "position": position}


@post(f"{AUTH}/forgot_password", opt=PUBLIC, status_code=HTTP_200_OK)
async def forgot_password(data: JSONBody[ForgotPassword], request: Request,
                          runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """Appends nothing, so its position is the log's head whether or not the email exists
    (a user's own position would tell who has an account)."""
    runtime.resource(reset_mail_throttle).attempt(client_address(request), normalized_email(data.email))
    user, _ = await runtime.execute(identity(runtime).user_by_email, data.email)
    answer = {"message": FORGOT_MESSAGE, "position": await runtime.answered_position(None)}
    if user is None or not user.is_active:
        return answer
    await queue_mail(runtime, mails.RESET, user)
    return {**answer, **dev_only(runtime, user, mails.RESET)}


@post(f"{AUTH}/reset_password", opt=PUBLIC, status_code=HTTP_200_OK)
async def reset_password(data: JSONBody[ResetPassword],
                         runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    user_id, version, _ = tokens.read_mail_token(runtime.settings, data.token,
                                                 tokens.RESET_PASSWORD)
    password_hash = await hashed(runtime, data.password)
    user, position = await runtime.execute(identity(runtime).reset_password, user_id, version,
                                           password_hash, actor=user_id)
    await runtime.wait_for_projections(position)
    return {"user": user_body(user), **tokens.access_token(runtime.settings, user),
            "position": position}


@patch(f"{USERS}/me", status_code=HTTP_200_OK)
async def update_me(data: JSONBody[UpdateProfile], request: Request,
                    runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    me = request.user.id
    user, position = await runtime.execute(identity(runtime).update_profile, me, data.changes(),
                                           actor=me)
    return {**user_body(user), "position": position}


@delete(f"{USERS}/me", status_code=HTTP_204_NO_CONTENT)
async def deactivate_me(request: Request, runtime: NamedDependency[Runtime]) -> None:
    """Answers once the read model has the new token version: old tokens are dead on return."""
    me = request.user.id
    _, position = await runtime.execute(identity(runtime).deactivate, me, actor=me)
    await runtime.wait_for_projections(position)


@patch(f"{USERS}/{{user_id:uuid}}/access_level", status_code=HTTP_200_OK)
async def change_access_level(user_id: FromPath[UUID], data: JSONBody[ChangeAccessLevel],
                              request: Request,
                              runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    admin = request.user.id
    user, position = await runtime.execute(identity(runtime).change_access_level, admin, user_id,
                                           data.access_level, actor=admin)
    position = await settled(runtime, position, user.id)
    return {**user_body(user), "position": position}


def identity(runtime: Runtime) -> IdentityApplication:
    return runtime.app(IdentityApplication)


async def queue_mail(runtime: Runtime, kind: str, user: User) -> None:
    """Store the mail in the outbox (off the event loop); its sender sends it."""
    await asyncio.to_thread(runtime.part(mails.account_mails).enqueue, kind, user.id)


def dev_only(runtime: Runtime, user: User, purpose: str) -> dict[str, str]:
    """A token like the mailed one, in bodies only in dev mode (CONTRACT §1)."""
    if runtime.settings.env != "dev":
        return {}
    return {"token": tokens.mail_token(runtime.settings, user, purpose)[0]}


def client_address(request: Request) -> str:
    """The client's address; behind the edge, from its X-Forwarded-For (uvicorn trusts it from
    TESSERA_FORWARDED_ALLOW_IPS only), else every client would count as the edge."""
    return request.client.host if request.client else "unknown"


async def settled(runtime: Runtime, position: int | None, user_id: UUID) -> int:
    """The command's position once read models show it; a command that changed nothing
    answers with the user's latest event, which already holds the state it found."""
    if position is None:
        return await runtime.answered_position(position, user_id)
    await runtime.wait_for_projections(position)
    return position


# Plain handlers, not Routers: the query side serves GET on the same paths (users/me).
router = [register, login, refresh, confirm_email, forgot_password, reset_password,
          update_me, deactivate_me, change_access_level]


async def on_startup(runtime: Runtime) -> None:
    """Start sending account mails (those earlier processes left too; late ones are named
    in `health/ready/`), and create the bootstrap admin of CONTRACT §2 once, if the
    environment names one."""
    outbox = runtime.part(mails.account_mails)
    runtime.degraded_checks["account_mail"] = outbox.lateness
    outbox.start()
    settings = runtime.settings
    if not (settings.admin_email and settings.admin_password):
        return
    existing, _ = await runtime.execute(identity(runtime).user_by_email, settings.admin_email)
    if existing is not None:
        return
    password_hash = await hashed(runtime, settings.admin_password)
    try:
        _, position = await runtime.execute(identity(runtime).register, settings.admin_email,
                                            password_hash, "Admin", "Tessera", None, None, None,
                                            "admin", True)
    except EmailTakenError:
        return
    await runtime.wait_for_projections(position)
