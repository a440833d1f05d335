"""Query-string filters of list routes, parsed strictly: a bad value is 400 INVALID_PAYLOAD.

    params = request.query_params
    ordering = choice(params, "ordering", ORDERINGS, default="-created_at")
    tags = uuid_list(params, "tags")              # "a,b" → ["a", "b"] (validated UUIDs)
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import MAX_EMAX, MIN_EMIN, ROUND_CEILING, Context, Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from infra.web.errors import ApiError
from query_api.pagination import PAGE_SQL, Page, whole_number

BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
MAX_LIST = 100
MAX_TEXT = 255


def invalid(name: str, reason: str) -> ApiError:
    return ApiError(400, "INVALID_PAYLOAD", f"Query parameter '{name}' {reason}", {name: [reason]})


def text(params: Mapping[str, Any], name: str) -> str | None:
    """Text to look for, up to MAX_TEXT (the longest title): one longer is 400, not cut, since
    a cut string matches more than the one asked for."""
    value = (params.get(name) or "").strip()
    if len(value) > MAX_TEXT:
        raise invalid(name, f"must be at most {MAX_TEXT} characters")
    return value or None


def contains_pattern(value: str) -> str:
    """A `LIKE … ESCAPE '\\'` pattern matching `value` anywhere, case-folded."""
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def choice(params: Mapping[str, Any], name: str, allowed: Mapping[str, Any], default: str) -> str:
    value = params.get(name) or default
    if value not in allowed:
        raise invalid(name, f"must be one of {', '.join(allowed)}")
    return value


def uuid_list(params: Mapping[str, Any], name: str) -> list[str]:
    parts = [part.strip() for part in (params.get(name) or "").split(",") if part.strip()]
    if len(parts) > MAX_LIST:
        raise invalid(name, f"must list at most {MAX_LIST} ids")
    return [uuid_value(name, part) for part in dict.fromkeys(parts)]


def uuid_value(name: str, raw: str) -> str:
    try:
        return str(UUID(raw))
    except ValueError:
        raise invalid(name, "must be a UUID (or a comma-separated list of UUIDs)") from None


def optional_uuid(params: Mapping[str, Any], name: str) -> str | None:
    raw = (params.get(name) or "").strip()
    return uuid_value(name, raw) if raw else None


def integer(params: Mapping[str, Any], name: str, minimum: int = 0) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise invalid(name, "must be an integer") from None
    if not minimum <= value <= 10**12:
        raise invalid(name, f"must be an integer >= {minimum}")
    return value


def capped(params: Mapping[str, Any], name: str, cap: int) -> int | None:
    """A positive integer; a larger one, however many digits, is taken as `cap`, as `page_size`
    is capped (CONTRACT §1)."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    value = whole_number(raw)
    if value is None or value < 1:
        raise invalid(name, "must be a positive integer")
    return min(value, cap)


def boolean(params: Mapping[str, Any], name: str) -> bool | None:
    raw = (params.get(name) or "").strip().lower()
    if not raw:
        return None
    if raw not in BOOLEANS:
        raise invalid(name, "must be true or false")
    return BOOLEANS[raw]


def day(params: Mapping[str, Any], name: str) -> str | None:
    """An ISO date (YYYY-MM-DD), returned in its canonical text form."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw).isoformat()
    except ValueError:
        pass
    raise invalid(name, "must be a date YYYY-MM-DD")


def cents(params: Mapping[str, Any], name: str, rounding: str = ROUND_CEILING) -> int | None:
    """A non-negative amount of money ("19.90", "20") in whole cents, rounded as asked. ASCII
    only, without Python's `1_000`; the cents are computed exactly, in a context as precise as
    the text (1e-9999999999 × 100 underflowed to 0 in the default one, so `price_min` of it
    took in free courses)."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        if not raw.isascii() or "_" in raw:
            raise InvalidOperation
        amount = Decimal(raw)
    except InvalidOperation:
        raise invalid(name, "must be a decimal amount") from None
    if not amount.is_finite() or not Decimal(0) <= amount <= Decimal(10**9):
        raise invalid(name, "must be an amount between 0 and 1000000000")
    exact = Context(prec=len(raw) + 3, Emin=MIN_EMIN, Emax=MAX_EMAX)
    return int(exact.multiply(amount, 100).to_integral_value(rounding=rounding))


class Counts:
    """Row counts of filtered lists, remembered until the read models move on.

    A count depends only on the read models, so while their position stands still (a burst of
    reads) the same filter's count is answered from memory. Built by `runtime.resource(Counts)`.
    """

    def __init__(self, settings: Any = None, max_size: int = 10_000) -> None:
        self.max_size = max_size
        self._known: dict[tuple[str, tuple[tuple[str, Any], ...]], tuple[int, int]] = {}

    async def count(self, runtime: Any, sql: str, params: dict[str, Any]) -> int:
        position = await runtime.clock.current() if runtime.clock else None
        key = (sql, tuple(sorted(params.items())))
        known = self._known.get(key)
        if known is not None and known[0] == position:
            return known[1]
        row = await runtime.store.fetch_one(sql, params)
        count = int(row["n"]) if row else 0
        if position is not None:
            if len(self._known) >= self.max_size:
                self._known.clear()
            self._known[key] = (position, count)
        return count


async def filtered_page(runtime: Any, table: str, columns: str, chosen: Any, orderings: Mapping[str, str],
                        page: Page) -> tuple[int, list[dict[str, Any]]]:
    """The count and one page of `table`'s rows matching `chosen` (`where()` and `ordering`)."""
    where, params = chosen.where()
    rows = await runtime.store.fetch_all(f"SELECT {columns} FROM {table} WHERE {where}"
                                         f" ORDER BY {orderings[chosen.ordering]} {PAGE_SQL}",
                                         {**params, **page.params})
    count = await runtime.resource(Counts).count(runtime, f"SELECT count(*) AS n FROM {table} WHERE {where}",
                                                 params)
    return count, rows


def found(item: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    """The item, or 404 NOT_FOUND naming its kind."""
    if item is None:
        raise ApiError(404, "NOT_FOUND", f"{kind} not found")
    return item
