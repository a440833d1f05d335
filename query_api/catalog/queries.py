"""SQL over the catalog read models: `authors`, `tags`, `books` (+ `book_tags`), `comments`."""
from __future__ import annotations

from typing import Any

import msgspec

from query_api.catalog.names import Names
from query_api.filters import contains_pattern, filtered_page
from query_api.pagination import PAGE_SQL, Page

# comments_scale is comments_count's number of digits, 0 for none (projectors/catalog/catalog_view.py):
# leading with it orders exactly as the count does, through an index.
BOOK_ORDERINGS = {
    "comments_count": "comments_scale, comments_count, created_position",
    "-comments_count": "comments_scale DESC, comments_count DESC, created_position DESC",
    "title": "search, created_position", "-title": "search DESC, created_position DESC",
    "created_at": "created_position", "-created_at": "created_position DESC",
}
BOOK_COLUMNS = "id, title, author_id, tag_ids, comments_count, created_at"
_ids = msgspec.json.Decoder(list[str]).decode


def any_of(column: str, link: str, key: str, tag_ids: list[str]) -> tuple[str, dict[str, str]]:
    """`column` is linked in `link` to any of the tags (a semi-join: rows are not repeated)."""
    marks = ", ".join(f":tag{n}" for n in range(len(tag_ids)))
    return (f"{column} IN (SELECT {key} FROM {link} WHERE tag_id IN ({marks}))",
            {f"tag{n}": tag_id for n, tag_id in enumerate(tag_ids)})


class BookFilter(msgspec.Struct, frozen=True, kw_only=True):
    title: str | None = None
    author: str | None = None
    tags: list[str] = []
    min_comments: int | None = None
    ordering: str = "-created_at"

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses, params = ["listed"], {}
        if self.title:
            clauses.append("search LIKE :pattern ESCAPE '\\'")
            params["pattern"] = contains_pattern(self.title)
        if self.author:
            clauses.append("author_id = :author")
            params["author"] = self.author
        if self.tags:
            clause, tag_params = any_of("id", "book_tags", "book_id", self.tags)
            clauses.append(clause)
            params.update(tag_params)
        if self.min_comments is not None:
            clauses.append("comments_scale >= :min_scale AND comments_count >= :min_comments")
            params.update(min_scale=len(str(self.min_comments)) if self.min_comments else 0,
                          min_comments=self.min_comments)
        return " AND ".join(clauses), params


async def books(runtime: Any, chosen: BookFilter, page: Page) -> tuple[int, list[dict[str, Any]]]:
    count, rows = await filtered_page(runtime, "books", BOOK_COLUMNS, chosen, BOOK_ORDERINGS, page)
    return count, await book_items(runtime.store, runtime.resource(Names), rows)


async def book(runtime: Any, book_id: str) -> dict[str, Any] | None:
    rows = await runtime.store.fetch_all(f"SELECT {BOOK_COLUMNS} FROM books WHERE id = :id AND listed",
                                         {"id": book_id})
    return next(iter(await book_items(runtime.store, runtime.resource(Names), rows)), None)


async def book_items(store: Any, names: Names, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tag_ids = [_ids(row["tag_ids"]) for row in rows]
    authors = await names.of(store, "authors", {row["author_id"] for row in rows})
    tags = await names.labels(store, "tags", tag_ids)
    return [{"id": row["id"], "title": row["title"],
             "author": {"id": row["author_id"], "name": authors.get(row["author_id"], "")},
             "tags": labels, "comments_count": int(row["comments_count"]),
             "created_at": row["created_at"]} for row, labels in zip(rows, tags, strict=True)]


async def named(store: Any, table: str, search: str | None, page: Page) -> tuple[int, list[dict[str, Any]]]:
    """Authors or tags, oldest first, optionally whose name contains `search`."""
    where, params = "1 = 1", {}
    if search:
        where, params = "search LIKE :pattern ESCAPE '\\'", {"pattern": contains_pattern(search)}
    count = await store.fetch_one(f"SELECT count(*) AS n FROM {table} WHERE {where}", params)
    rows = await store.fetch_all(f"SELECT id, name, created_at FROM {table} WHERE {where}"
                                 f" ORDER BY created_position {PAGE_SQL}", {**params, **page.params})
    return int(count["n"]) if count else 0, rows


async def comments(store: Any, book_id: str, page: Page) -> tuple[int, list[dict[str, Any]]]:
    count = await store.fetch_one("SELECT count(*) AS n FROM comments WHERE book_id = :book",
                                  {"book": book_id})
    rows = await store.fetch_all(
        "SELECT id, book_id, user_id, text, created_at FROM comments WHERE book_id = :book"
        f" ORDER BY position DESC {PAGE_SQL}", {"book": book_id, **page.params})
    return int(count["n"]) if count else 0, rows
