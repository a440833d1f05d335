"""Catalog commands over HTTP (CONTRACT §5.1).

Who may do what (the contract names only PATCH/DELETE books): any signed-in user adds
authors, books and comments; tags, shared with courses, are admin/support only, as are
changing and deleting books.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, delete, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from command_api.catalog.schemas import AddComment, CreateAuthor, CreateBook, CreateTag, UpdateBook
from domain.catalog.application import CatalogApplication
from domain.errors import ForbiddenError
from infra.envelope import format_timestamp
from infra.runtime import Runtime
from query_api.catalog import queries

API = "/api/v1"


def require_staff(request: Request, what: str) -> None:
    if not request.user.is_staff:
        raise ForbiddenError(f"Only admin or support may {what}")


def catalog(runtime: Runtime) -> CatalogApplication:
    return runtime.app(CatalogApplication)


@post(f"{API}/authors", status_code=HTTP_201_CREATED)
async def create_author(data: JSONBody[CreateAuthor], request: Request,
                        runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    author, position = await runtime.execute(catalog(runtime).create_author, data.name,
                                              actor=request.user.id)
    return {"id": str(author.id), "name": author.name, "created_at": format_timestamp(author.created_on),
            "position": position}


@post(f"{API}/tags", status_code=HTTP_201_CREATED)
async def create_tag(data: JSONBody[CreateTag], request: Request,
                     runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    require_staff(request, "create tags")
    tag, position = await runtime.execute(catalog(runtime).create_tag, data.name, actor=request.user.id)
    return {"id": str(tag.id), "name": tag.name, "created_at": format_timestamp(tag.created_on),
            "position": position}


@post(f"{API}/books", status_code=HTTP_201_CREATED)
async def create_book(data: JSONBody[CreateBook], request: Request,
                      runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    book, position = await runtime.execute(catalog(runtime).create_book, data.title, data.author_id,
                                            data.tag_ids, actor=request.user.id)
    return await book_answer(runtime, book, position)


@patch(f"{API}/books/{{book_id:uuid}}", status_code=HTTP_200_OK)
async def update_book(book_id: FromPath[UUID], data: JSONBody[UpdateBook], request: Request,
                      runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    require_staff(request, "change books")
    book, position = await runtime.execute(catalog(runtime).update_book, book_id, data.title,
                                            data.author_id, data.tag_ids, actor=request.user.id)
    return await book_answer(runtime, book, position)


@delete(f"{API}/books/{{book_id:uuid}}", status_code=HTTP_204_NO_CONTENT)
async def delete_book(book_id: FromPath[UUID], request: Request,
                      runtime: NamedDependency[Runtime]) -> None:
    """204 once the book is gone from listings (no body, so no position to wait for)."""
    require_staff(request, "delete books")
    _, position = await runtime.execute(catalog(runtime).delete_book, book_id, actor=request.user.id)
    await runtime.wait_for_projections(position)


@post(f"{API}/books/{{book_id:uuid}}/comments", status_code=HTTP_201_CREATED)
async def add_comment(book_id: FromPath[UUID], data: JSONBody[AddComment], request: Request,
                      runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    comment, position = await runtime.execute(catalog(runtime).add_comment, book_id, request.user.id,
                                               data.text, actor=request.user.id)
    return {"id": str(comment.id), "book_id": str(comment.book_id), "user_id": str(comment.user_id),
            "text": comment.text, "created_at": format_timestamp(comment.created_on),
            "position": position}


async def book_answer(runtime: Runtime, book: Any, position: int | None) -> dict[str, Any]:
    """The book as listings show it (its read-model row, once the projection has it)."""
    await runtime.wait_for_projections(position)
    listed = await queries.book(runtime, str(book.id))
    if listed is None:
        listed = {"id": str(book.id), "title": book.title, "author": {"id": str(book.author_id)},
                  "tags": [{"id": str(tag_id)} for tag_id in book.tag_ids],
                  "created_at": format_timestamp(book.created_on)}
    return {**listed, "position": position}


# Plain handlers, not a Router: reads and commands share paths across services.
router = [create_author, create_tag, create_book, update_book, delete_book, add_comment]
