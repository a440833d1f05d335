"""Catalog reads (CONTRACT §5.1): authors, tags, the filtered book listing and comments."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from infra.runtime import Runtime
from query_api.catalog import queries
from query_api.catalog.queries import BOOK_ORDERINGS, BookFilter
from query_api.filters import choice, found, integer, optional_uuid, text, uuid_list
from query_api.pagination import paginated, requested_page

API = "/api/v1"


def book_filter(request: Request) -> BookFilter:
    params = request.query_params
    return BookFilter(title=text(params, "title"), author=optional_uuid(params, "author"),
                      tags=uuid_list(params, "tags"), min_comments=integer(params, "min_comments"),
                      ordering=choice(params, "ordering", BOOK_ORDERINGS, "-created_at"))


@get(f"{API}/books")
async def list_books(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    page = requested_page(request)
    count, rows = await queries.books(runtime, book_filter(request), page)
    return paginated(request, page, count, rows)


@get(f"{API}/books/{{book_id:uuid}}")
async def show_book(book_id: FromPath[UUID], runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    return await listed_book(runtime, book_id)


async def listed_book(runtime: Runtime, book_id: UUID) -> dict[str, Any]:
    return found(await queries.book(runtime, str(book_id)), "Book")


@get(f"{API}/books/{{book_id:uuid}}/comments")
async def list_comments(book_id: FromPath[UUID], request: Request,
                        runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """A listed book's comments, newest first."""
    await listed_book(runtime, book_id)
    page = requested_page(request)
    count, rows = await queries.comments(runtime.store, str(book_id), page)
    return paginated(request, page, count, rows)


@get(f"{API}/authors")
async def list_authors(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    return await named_page(request, runtime, "authors")


@get(f"{API}/tags")
async def list_tags(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    return await named_page(request, runtime, "tags")


async def named_page(request: Request, runtime: Runtime, table: str) -> dict[str, Any]:
    page = requested_page(request)
    count, rows = await queries.named(runtime.store, table, text(request.query_params, "search"), page)
    return paginated(request, page, count, rows)


# Plain handlers, not a Router: the command side serves other methods on the same paths.
router = [list_books, show_book, list_comments, list_authors, list_tags]
