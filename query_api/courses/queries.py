"""SQL over the `courses` and `course_tags` read models."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from infra.envelope import format_timestamp
from query_api.catalog.names import Names
from query_api.catalog.queries import any_of
from query_api.filters import contains_pattern, filtered_page
from query_api.pagination import Page

COURSE_ORDERINGS = {
    "price": "price_cents, created_position", "-price": "price_cents DESC, created_position DESC",
    "start_date": "start_date, created_position",
    "-start_date": "start_date DESC, created_position DESC",
    "created_at": "created_position", "-created_at": "created_position DESC",
    "title": "search, created_position",
}
COURSE_COLUMNS = "id, title, description, price_cents, is_free, start_date, tag_ids, created_at"
RANGES = (("price_min", "price_cents >="), ("price_max", "price_cents <="),
          ("start_date_from", "start_date >="), ("start_date_to", "start_date <="))
_ids = msgspec.json.Decoder(list[str]).decode


class CourseFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Prices in cents; dates as ISO text. A min above its max is allowed: nothing matches."""

    title: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    start_date_from: str | None = None
    start_date_to: str | None = None
    tags: list[str] = []
    is_free: bool | None = None
    ordering: str = "-created_at"

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses, params = ["1 = 1"], {}
        if self.title:
            clauses.append("search LIKE :pattern ESCAPE '\\'")
            params["pattern"] = contains_pattern(self.title)
        for name, test in RANGES:
            if getattr(self, name) is not None:
                clauses.append(f"{test} :{name}")
                params[name] = getattr(self, name)
        if self.tags:
            clause, tag_params = any_of("id", "course_tags", "course_id", self.tags)
            clauses.append(clause)
            params.update(tag_params)
        if self.is_free is not None:
            clauses.append("is_free = :is_free")
            params["is_free"] = self.is_free
        return " AND ".join(clauses), params


def money(value_cents: int) -> str:
    return str((Decimal(int(value_cents)) / 100).quantize(Decimal("0.01")))


async def courses(runtime: Any, chosen: CourseFilter, page: Page) -> tuple[int, list[dict[str, Any]]]:
    count, rows = await filtered_page(runtime, "courses", COURSE_COLUMNS, chosen, COURSE_ORDERINGS, page)
    return count, await course_items(runtime.store, runtime.resource(Names), rows)


async def course(runtime: Any, course_id: str) -> dict[str, Any] | None:
    rows = await runtime.store.fetch_all(f"SELECT {COURSE_COLUMNS} FROM courses WHERE id = :id",
                                         {"id": course_id})
    return next(iter(await course_items(runtime.store, runtime.resource(Names), rows)), None)


async def course_items(store: Any, names: Names, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tags = await names.labels(store, "tags", [_ids(row["tag_ids"]) for row in rows])
    return [{"id": row["id"], "title": row["title"], "description": row["description"],
             "price": money(row["price_cents"]), "is_free": bool(row["is_free"]),
             "start_date": row["start_date"], "tags": labels, "created_at": row["created_at"]}
            for row, labels in zip(rows, tags, strict=True)]


def course_body(course: Any) -> dict[str, Any]:
    """A course from its aggregate, before the read model has it (tag names unknown yet)."""
    return {"id": str(course.id), "title": course.title, "description": course.description,
            "price": str(course.price), "is_free": course.is_free,
            "start_date": course.start_date.isoformat(), "tags": [{"id": str(t)} for t in course.tag_ids],
            "created_at": format_timestamp(course.created_on)}
