"""SQL over the `jobs` read model and its row errors and delivery failures."""
from __future__ import annotations

from typing import Any

from projectors.jobs.jobs_view import JOB_COLUMNS
from query_api.pagination import PAGE_SQL, Page

MAX_LISTED = 1000


async def job_of_kind(store: Any, job_id: str, kind: str) -> dict[str, Any] | None:
    return await store.fetch_one(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = :id AND kind = :kind",
                                 {"id": job_id, "kind": kind})


async def row_errors(store: Any, job_id: str) -> list[dict[str, Any]]:
    return await store.fetch_all(
        "SELECT row_number AS row, error FROM job_row_errors WHERE job_id = :id ORDER BY row_number"
        f" LIMIT {MAX_LISTED}", {"id": job_id})


async def delivery_failures(store: Any, job_id: str) -> list[dict[str, Any]]:
    return await store.fetch_all(
        f"SELECT email, reason FROM job_delivery_failures WHERE job_id = :id ORDER BY email LIMIT {MAX_LISTED}",
        {"id": job_id})


async def images_page(store: Any, owner_id: str, page: Page) -> tuple[int, list[dict[str, Any]]]:
    params = {"owner": owner_id, "kind": "image"}
    where = "owner_id = :owner AND kind = :kind"
    counted = await store.fetch_one(f"SELECT count(*) AS n FROM jobs WHERE {where}", params)
    rows = await store.fetch_all(
        f"SELECT {JOB_COLUMNS} FROM jobs WHERE {where} ORDER BY created_at DESC, id {PAGE_SQL}",
        {**params, **page.params})
    return int(counted["n"] if counted else 0), rows
