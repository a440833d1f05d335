"""The OpenAPI document and its two viewers, at the paths of CONTRACT §9, working offline.

`/api/schema/` documents the whole API on its one origin (commands too, even when this
process is the query service alone). `/api/docs/` (Swagger UI) and `/api/redoc/` (Redoc)
load their JavaScript and CSS from this process: the files come from the `swagger-ui-py`
and `star-openapi-redoc` packages, never from a CDN, so the pages work without internet.
"""
from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Litestar, MediaType, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from infra.web.errors import _CODES_BY_STATUS, _DOMAIN
from infra.web.uploads import UPLOAD_OPT

SCHEMA_URL = "/api/schema/"
_JS, _CSS = "text/javascript", "text/css"
ASSETS: dict[str, tuple[str, str, str]] = {  # name served -> (package, path inside it, type)
    "swagger-ui.css": ("swagger_ui", "static/swagger-ui.css", _CSS),
    "swagger-ui-bundle.js": ("swagger_ui", "static/swagger-ui-bundle.js", _JS),
    "swagger-ui-LICENSE.txt": ("swagger_ui", "static/LICENSE", "text/plain"),
    "favicon-32x32.png": ("swagger_ui", "static/favicon-32x32.png", "image/png"),
    "redoc.standalone.js": ("star_openapi_redoc", "templates/redoc/js/redoc.standalone.js", _JS),
}

SWAGGER_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tessera API · Swagger UI</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="/api/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{url: "{SCHEMA_URL}", dom_id: "#swagger-ui", deepLinking: true,
  validatorUrl: null, presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout",
  persistAuthorization: true}});
</script></body></html>
"""

REDOC_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tessera API · Redoc</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="/api/docs/assets/favicon-32x32.png">
<style>body {{ margin: 0; padding: 0; }}</style></head>
<body><div id="redoc"></div>
<script type="module">
import {{ init }} from "/api/redoc/assets/redoc.standalone.js";
init("{SCHEMA_URL}", {{}}, document.getElementById("redoc"));
</script></body></html>
"""


@get(["/api/schema"], opt={"public": True}, include_in_schema=False, sync_to_thread=False)
def openapi_schema(request: Request) -> dict[str, Any]:
    return full_schema(request.app)


@get(["/api/docs"], opt={"public": True}, include_in_schema=False, sync_to_thread=False,
     media_type=MediaType.HTML)
def swagger_ui() -> str:
    return SWAGGER_PAGE


@get(["/api/redoc"], opt={"public": True}, include_in_schema=False, sync_to_thread=False,
     media_type=MediaType.HTML)
def redoc() -> str:
    return REDOC_PAGE


@get(["/api/docs/assets/{name:str}", "/api/redoc/assets/{name:str}"], opt={"public": True},
     include_in_schema=False, sync_to_thread=False)
def docs_asset(name: FromPath[str]) -> Response[bytes]:
    if name not in ASSETS:
        raise NotFoundException(f"No asset named {name!r}")
    package, inside, media_type = ASSETS[name]
    return Response(asset_bytes(package, inside), media_type=media_type,
                    headers={"Cache-Control": "public, max-age=86400"})


@cache
def asset_bytes(package: str, inside: str) -> bytes:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {package} is not installed")
    return (Path(list(spec.submodule_search_locations)[0]) / inside).read_bytes()


_schemas: dict[int, dict[str, Any]] = {}


def full_schema(app: Litestar) -> dict[str, Any]:
    """The OpenAPI document of every service's HTTP routes, built once per process."""
    if id(app) not in _schemas:
        from infra.web.app import SERVICES, handlers_for

        everything = Litestar(route_handlers=handlers_for(SERVICES), dependencies=app.dependencies,
                              openapi_config=app.openapi_config)
        _schemas[id(app)] = with_conventions(everything.openapi_schema.to_schema(), everything)
    return _schemas[id(app)]


def with_conventions(schema: dict[str, Any], app: Litestar) -> dict[str, Any]:
    """Bearer auth on non-public routes and the error envelope on every 4xx/5xx answer."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    components.setdefault("schemas", {})["ErrorEnvelope"] = ERROR_ENVELOPE
    schema["security"] = [{"bearer": []}]
    public, uploads = _operations_with(app, "public"), _operations_with(app, UPLOAD_OPT)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if (path, method.upper()) in public:
                operation["security"] = []
            if (path, method.upper()) in uploads:  # read from the request: Litestar sees no body
                operation["requestBody"] = UPLOAD_BODY
            for status, answer in operation["responses"].items():
                if status[:1] in ("4", "5"):
                    answer["content"] = {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    return schema


def _operations_with(app: Litestar, option: str) -> set[tuple[str, str]]:
    """(path, method) of the routes whose handler's `opt` sets `option`."""
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.opt.get(option):
                found |= {(route.path_format, method) for method in handler.http_methods}
    return found


UPLOAD_BODY: dict[str, Any] = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"}}}}}}


ERROR_ENVELOPE: dict[str, Any] = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "details", "request_id", "timestamp"],
        "properties": {
            "code": {"type": "string", "enum": sorted(
                {*_CODES_BY_STATUS.values(), *(code for _, _, code in _DOMAIN)})},
            "message": {"type": "string"},
            "details": {"type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "request_id": {"type": ["string", "null"]},
            "timestamp": {"type": "string", "format": "date-time"},
        },
    }},
}

DOCS_HANDLERS: list[Any] = [openapi_schema, swagger_ui, redoc, docs_asset]
