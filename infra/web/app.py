"""Builds the Litestar app of one service, or of all three on one origin (embedded mode).

Routes are discovered by convention: `command_api/<context>/routes.py` and
`query_api/<context>/routes.py` export `router`; `query_api/<context>/pages.py` exports
`router` too (web pages, served by the query service); `query_api/<context>/live.py` exports
`sockets`. Start-up hooks: `on_startup(runtime)` in command routes run with the command service,
in `query_api/<context>/live.py` with the push service. A new context needs no edit here.
"""
from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from infra.config import Settings, load_settings
from infra.memory import freeze_startup_objects
from infra.runtime import Runtime
from infra.web.auth import JWTAuthenticationMiddleware
from infra.web.errors import handle_exception
from infra.web.idempotency import idempotency_middleware
from infra.web.input_checks import input_check_middleware
from infra.web.middleware import add_request_id_header, request_context_middleware, without_body
from infra.web.platform import PLATFORM_HANDLERS
from infra.web.positions import add_missing_position, projection_position_middleware
from infra.web.strict_bodies import decode_body_strictly

log = logging.getLogger("tessera.app")
SERVICES = ("command", "query", "push")


class TesseraApp(Litestar):
    """Litestar, also answering HEAD wherever GET is served (RFC 9110 §9.1: a general-purpose
    server must; Django and DRF do): the GET runs and its body is not sent. Litestar answered
    405 to every HEAD, health checks and `curl -I` included. Routing decides before any
    middleware runs, so this is done where requests enter the app."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            scope, send = {**scope, "method": "GET"}, without_body(send)
        await super().__call__(scope, receive, send)


def discover(package_name: str, module_suffix: str, attribute: str) -> list[Any]:
    package = importlib.import_module(package_name)
    found: list[Any] = []
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not module.ispkg:
            continue
        name = f"{package_name}.{module.name}.{module_suffix}"
        try:
            loaded = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name == name:
                continue
            raise
        value = getattr(loaded, attribute, None)
        if value is not None:
            found.extend(value if isinstance(value, list) else [value])
    return found


def handlers_for(services: tuple[str, ...]) -> list[Any]:
    handlers: list[Any] = list(PLATFORM_HANDLERS)
    if "command" in services:
        handlers += discover("command_api", "routes", "router")
    if "query" in services:
        handlers += discover("query_api", "routes", "router")
        handlers += discover("query_api", "pages", "router")
        from query_api.docs import DOCS_HANDLERS

        handlers += DOCS_HANDLERS
    if "push" in services:
        handlers += discover("query_api", "live", "sockets")
    return handlers


def startup_hooks(services: tuple[str, ...]) -> list[Any]:
    hooks = discover("command_api", "routes", "on_startup") if "command" in services else []
    return hooks + (discover("query_api", "live", "on_startup") if "push" in services else [])


def provide_runtime(state: State) -> Runtime:
    return state.runtime  # type: ignore[no-any-return]


def build_app(services: tuple[str, ...] = SERVICES, settings: Settings | None = None,
              runtime: Runtime | None = None) -> Litestar:
    settings = settings or load_settings()
    runtime = runtime or Runtime(settings, embedded_bus=None if set(services) == set(SERVICES) else False)
    hooks = startup_hooks(services)

    async def start(app: Litestar) -> None:
        await runtime.start()
        if "push" in services and not runtime.embedded_bus and runtime.settings.uses_kafka:
            from query_api.push.kafka_feed import KafkaPushFeed

            await runtime.resource(KafkaPushFeed).start(runtime)
        for hook in hooks:
            await hook(runtime)
        freeze_startup_objects()

    async def stop(app: Litestar) -> None:
        await runtime.stop()

    return TesseraApp(
        route_handlers=handlers_for(services),
        on_startup=[start],
        on_shutdown=[stop],
        state=State({"runtime": runtime, "services": services}),
        dependencies={"runtime": Provide(provide_runtime, sync_to_thread=False)},
        exception_handlers={Exception: handle_exception},
        before_send=[add_request_id_header, add_missing_position],
        before_request=decode_body_strictly,
        middleware=[request_context_middleware, JWTAuthenticationMiddleware, input_check_middleware,
                    idempotency_middleware, projection_position_middleware],
        openapi_config=OpenAPIConfig(title="Tessera", version="1.0.0", path="/api/openapi",
                                     render_plugins=[JsonRenderPlugin()]),
        cors_config=CORSConfig(allow_origins=[]),
        request_max_body_size=settings.upload_max_bytes + 1024 * 1024,
        logging_config=None,  # keep the process's logging (infra/cli.py): request and trace ids
        debug=False,
    )


def app_from_environment() -> Litestar:
    """The app of one `tessera serve --workers N` process: the services named in the environment."""
    import os

    from infra.cli import configure_process

    services = tuple(os.environ.get("TESSERA_SERVE_SERVICES", ",".join(SERVICES)).split(","))
    settings = load_settings()
    configure_process(settings, services[0])
    return build_app(services, settings)
