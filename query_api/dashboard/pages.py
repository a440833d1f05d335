"""The `/dashboard/` web page (CONTRACT §5.5): live counters and a chart of events per minute.

The page signs in through the API and then lives on `/ws/dashboard/`; its script and the chart
library are served from here, nothing from the internet: `static/uPlot.iife.js` and
`static/uPlot.min.css` are uPlot 1.6.16 (MIT, Leon Sorokin) vendored unchanged from the
`uplot-python` 1.1.1 wheel on PyPI (its `uplot/static/`), not a run-time dependency.
"""
from __future__ import annotations

from pathlib import Path

from infra.web.pages import page_routes

router = page_routes("/dashboard", Path(__file__).parent / "static", "dashboard.html")
