"""Page-number pagination of CONTRACT §1: `?page=&page_size=` → `{count, next, previous, results}`.

    page = requested_page(request)                  # 400 INVALID_PAYLOAD on bad values
    rows = await store.fetch_all(f"SELECT ... ORDER BY ... {PAGE_SQL}", {**params, **page.params})
    return paginated(request, page, count, rows)

`page_size` defaults to 20 and any larger value, however many digits, is capped at 100; `page`
is at most 10^9. A page past the end is empty (200), with
`previous` pointing at the last page that has results.
"""
from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request

from infra.web.errors import ApiError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 10**9
SATURATED = 10**18
PAGE_SQL = "LIMIT :page_limit OFFSET :page_offset"


class Page(msgspec.Struct, frozen=True):
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def params(self) -> dict[str, int]:
        """Parameters of `PAGE_SQL`."""
        return {"page_limit": self.size, "page_offset": self.offset}


def requested_page(request: Request) -> Page:
    number = _positive_int(request, "page", 1, most=MAX_PAGE)
    size = _positive_int(request, "page_size", DEFAULT_PAGE_SIZE, most=SATURATED)
    return Page(number=number, size=min(size, MAX_PAGE_SIZE))


def _positive_int(request: Request, name: str, default: int, most: int) -> int:
    raw = (request.query_params.get(name) or "").strip()
    if not raw:
        return default
    value = whole_number(raw)
    if value is None or not 1 <= value <= most:
        reason = "must be a positive integer" if most == SATURATED else f"must be an integer from 1 to {most}"
        raise ApiError(400, "INVALID_PAYLOAD", f"Query parameter '{name}' {reason}", {name: [reason]})
    return value


def whole_number(raw: str) -> int | None:
    """The value of ASCII digits (not `+5`, `5_0` or full-width ones, which int() takes), or
    None. More than 18 significant digits count as SATURATED: int() refuses over 4,300, and
    every cap and bound of a query is far below it."""
    if not (raw.isascii() and raw.isdigit()):
        return None
    significant = raw.lstrip("0") or "0"
    return int(significant) if len(significant) <= 18 else SATURATED


def paginated(request: Request, page: Page, count: int, results: list[Any]) -> dict[str, Any]:
    last = max(1, math.ceil(count / page.size))
    following = page.number + 1 if page.number < last else None
    preceding = min(page.number - 1, last) if page.number > 1 else None
    return {"count": count, "next": page_url(request, following, page.size),
            "previous": page_url(request, preceding, page.size), "results": results}


def page_url(request: Request, number: int | None, size: int) -> str | None:
    """The absolute URL of this request at another page, other query parameters kept."""
    if number is None:
        return None
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "page_size")]
    query = urlencode([*kept, ("page", number), ("page_size", size)])
    return str(request.url.with_replacements(query=query))
