"""A web page of the query service: one HTML file and its static folder, public, offline.

The HTML is read once when the routes are built, not on every request.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import MediaType, get
from litestar.static_files import create_static_files_router


def page_routes(path: str, static: Path, html: str) -> list[Any]:
    """GET `path` answers `static/html`; `path/static/...` serves the folder."""
    body = (static / html).read_text(encoding="utf-8")
    name = path.strip("/")

    @get(path, opt={"public": True}, media_type=MediaType.HTML, include_in_schema=False,
         name=f"{name}-page")
    async def page() -> str:
        return body

    files = create_static_files_router(path=f"{path}/static", directories=[static],
                                       opt={"public": True}, name=f"{name}-static")
    return [page, files]
