"""Identity commands over HTTP (CONTRACT §2)."""
from __future__ import annotations

from typing import Any

from litestar import Router, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from command_api.identity.representation import user_body
from command_api.identity.schemas import Login, RegisterUser
from domain.identity.application import IdentityApplication
from domain.identity.errors import EmailTakenError
from infra.passwords import hash_password, verify_password
from infra.runtime import Runtime
from infra.web.auth import issue_token


@post("/register", opt={"public": True}, status_code=HTTP_201_CREATED)
async def register(data: RegisterUser, runtime: Runtime) -> dict[str, Any]:
    identity = runtime.app(IdentityApplication)
    password_hash = await runtime.execute(hash_password, data.password)
    user, position = await runtime.execute(
        identity.register, data.email, password_hash[0], data.first_name, data.last_name,
        data.phone, data.gender, data.date_of_birth)
    await runtime.wait_for_projections(position)
    _, expires = issue_token(runtime.settings, user.id, user.token_version, "access")
    return {"user": user_body(user), "expired_at": expires, "position": position}


@post("/login", opt={"public": True}, status_code=HTTP_200_OK)
async def login(data: Login, runtime: Runtime) -> dict[str, Any]:
    identity = runtime.app(IdentityApplication)
    user, _ = await runtime.execute(identity.authenticate, data.email, data.password, verify_password)
    token, expires = issue_token(runtime.settings, user.id, user.token_version, "access")
    refresh, _ = issue_token(runtime.settings, user.id, user.token_version, "refresh")
    return {"user": user_body(user), "token": token, "refresh": refresh, "expired_at": expires}


router = Router(path="/api/v1/auth", route_handlers=[register, login])


async def on_startup(runtime: Runtime) -> None:
    """Create the bootstrap admin of CONTRACT §2 once, if the environment names one."""
    settings = runtime.settings
    if not (settings.admin_email and settings.admin_password):
        return
    identity = runtime.app(IdentityApplication)
    existing, _ = await runtime.execute(identity.user_by_email, settings.admin_email)
    if existing is not None:
        return
    password_hash, _ = await runtime.execute(hash_password, settings.admin_password)
    try:
        _, position = await runtime.execute(identity.register, settings.admin_email, password_hash,
                                            "Admin", "Tessera", None, None, None, "admin", True)
    except EmailTakenError:
        return
    await runtime.wait_for_projections(position)
