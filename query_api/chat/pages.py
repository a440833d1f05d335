"""The `/chat/` web page (CONTRACT §5.4): sign in, conversations, history, live messages,
read ticks and who is online.

Plain HTML, CSS and JavaScript from `static/`, no build step and nothing from the internet:
the page talks to the public API only (REST under `/api/v1/`, `/ws/chat/{id}/` and
`/ws/presence/`), like any other client.
"""
from __future__ import annotations

from pathlib import Path

from infra.web.pages import page_routes

router = page_routes("/chat", Path(__file__).parent / "static", "chat.html")
