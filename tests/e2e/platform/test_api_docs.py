"""`/api/schema/`, `/api/docs/` and `/api/redoc/` (CONTRACT §9), served without any CDN."""
from __future__ import annotations

import re

import pytest

from infra.config import load_settings
from infra.web.app import build_app
from query_api.docs import full_schema
from tests.fixtures.api_schema import filled

ASSET_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
LOCAL_URL = re.compile(r'(?:src|href)="([^"]+)"|from "([^"]+)"|url: "([^"]+)"|init\("([^"]+)"')


def urls_in(page: str) -> list[str]:
    return [next(group for group in match if group) for match in LOCAL_URL.findall(page)]


@pytest.mark.parametrize("path, marker", [("/api/docs/", "SwaggerUIBundle"),
                                          ("/api/redoc/", "redoc.standalone.js")])
def test_viewer_pages_use_only_local_assets(stack, path, marker):
    with stack.client() as http:
        page = http.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert marker in page.text
        assert "http://" not in page.text and "https://" not in page.text
        urls = urls_in(page.text)
        assert "/api/schema/" in urls
        assets = [url for url in urls if url != "/api/schema/"]
        assert assets, page.text
        for url in assets:
            assert url.startswith("/") and not url.startswith("//"), url
            asset = http.get(url)
            assert asset.status_code == 200, url
            extension = url[url.rindex("."):]
            assert asset.headers["content-type"].startswith(ASSET_TYPES[extension]), url


def test_viewers_get_the_real_bundles(stack):
    with stack.client() as http:
        swagger = http.get("/api/docs/assets/swagger-ui-bundle.js")
        redoc = http.get("/api/redoc/assets/redoc.standalone.js")
        css = http.get("/api/docs/assets/swagger-ui.css")
    assert len(swagger.content) > 500_000 and b"SwaggerUIBundle" in swagger.content
    assert len(redoc.content) > 500_000 and b"RedocStandalone" in redoc.content
    assert b".swagger-ui" in css.content


def test_unknown_assets_are_not_found(stack):
    with stack.client() as http:
        for path in ("/api/docs/assets/secret.py", "/api/docs/assets/..%2F..%2Fpyproject.toml",
                     "/api/redoc/assets/swagger-ui.css.map"):
            answer = http.get(path)
            assert answer.status_code == 404, path
            assert answer.json()["error"]["code"] == "NOT_FOUND"


def test_schema_is_openapi_3_1_and_documents_the_routes(stack):
    with stack.client() as http:
        schema = http.get("/api/schema/")
        assert http.get("/api/schema").json() == schema.json()
    assert schema.status_code == 200
    body = schema.json()
    assert body["openapi"].startswith("3.1")
    assert {"/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/users/me"} <= set(body["paths"])
    assert body["paths"]["/api/v1/users/me"]["get"]
    assert body["paths"]["/api/v1/auth/login"]["post"]["security"] == []
    assert body["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    error = body["components"]["schemas"]["ErrorEnvelope"]["properties"]["error"]
    codes = set(error["properties"]["code"]["enum"])
    assert {"INVALID_PAYLOAD", "NOT_FOUND", "UPSTREAM_ERROR"} <= codes


def test_every_documented_operation_is_served(stack):
    """Unauthenticated, so nothing runs: a served route answers 401 (or 400/200), never 404/405."""
    with stack.client() as http:
        paths = http.get("/api/schema/").json()["paths"]
        for path, operations in paths.items():
            concrete = filled(path)
            for method in operations:
                body = {} if method != "get" else None
                answer = http.request(method.upper(), concrete, json=body)
                assert answer.status_code != 405, (method, path)
                if concrete == path:
                    assert answer.status_code != 404, (method, path)


def test_upload_routes_document_their_multipart_file():
    """They read the form themselves, so Litestar documented no body: Swagger UI could not upload."""
    paths = full_schema(build_app(("query",), load_settings({})))["paths"]
    uploads = [path for path in paths if path.endswith(("/images", "/upload-csv", "/attachments"))]
    assert len(uploads) == 3, uploads
    for path in uploads:
        body = paths[path]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert body["required"] == ["file"] and body["properties"]["file"]["format"] == "binary", path


def test_the_query_service_alone_documents_the_whole_api():
    """Behind the edge, `/api/schema/` is answered by the query service: it lists commands too."""
    query_only = build_app(("query",), load_settings({}))
    paths = full_schema(query_only)["paths"]
    assert "/api/v1/auth/register" in paths and "/api/v1/users/me" in paths
    assert "/api/v1/auth/register" not in query_only.openapi_schema.to_schema()["paths"]


@pytest.mark.parametrize("viewer", ["swagger", "redoc", "rapidoc", "elements", "stoplight"])
def test_no_framework_viewer_pulls_assets_from_a_cdn(stack, viewer):
    """Litestar's own viewer pages load their scripts from CDNs; only ours are served."""
    with stack.client(stack.new_user()["token"]) as http:
        answer = http.get(f"/api/openapi/{viewer}")
    assert answer.status_code == 404
    assert "cdn" not in answer.text.lower()
