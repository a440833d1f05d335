"""The `/chat/` web page (CONTRACT §5.4): sign in, conversations, history, live messages,
read ticks and who is online.

Plain HTML, CSS and JavaScript from `static/`, no build step and nothing from the internet:
the page talks to the public API only (REST under `/api/v1/`, `/ws/chat/{id}/` and
`/ws/presence/`), like any other client.
"""
from __future__ import annotations

from pathlib import Path

from litestar import MediaType, get
from litestar.static_files import create_static_files_router

STATIC = Path(__file__).parent / "static"


@get("/chat", opt={"public": True}, media_type=MediaType.HTML, include_in_schema=False)
async def chat_page() -> str:
    return (STATIC / "chat.html").read_text(encoding="utf-8")


static_files = create_static_files_router(path="/chat/static", directories=[STATIC],
                                          opt={"public": True}, name="chat-static")

router = [chat_page, static_files]
