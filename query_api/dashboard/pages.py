"""The `/dashboard/` web page (CONTRACT §5.5): live counters and a chart of events per minute.

The page signs in through the API and then lives on `/ws/dashboard/`; its script and the chart
library are served from here, nothing from the internet: `static/uPlot.iife.js` and
`static/uPlot.min.css` are uPlot 1.6.16 (MIT, Leon Sorokin) vendored unchanged from the
`uplot-python` 1.1.1 wheel on PyPI (its `uplot/static/`), not a run-time dependency.
"""
from __future__ import annotations

from pathlib import Path

from litestar import MediaType, get
from litestar.static_files import create_static_files_router

STATIC = Path(__file__).parent / "static"


@get("/dashboard", opt={"public": True}, media_type=MediaType.HTML, include_in_schema=False)
async def dashboard_page() -> str:
    return (STATIC / "dashboard.html").read_text(encoding="utf-8")


static_files = create_static_files_router(path="/dashboard/static", directories=[STATIC],
                                          opt={"public": True}, name="dashboard-static")

router = [dashboard_page, static_files]
