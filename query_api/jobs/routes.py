"""Jobs reads (CONTRACT §8): reports and their CSV, import status, images, broadcast status."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from domain.errors import NotFoundError
from infra.runtime import Runtime
from infra.s3 import CHUNK, StoredObjectMissing, open_object_storage
from projectors.jobs.jobs_view import IMAGE_STATUS
from query_api.jobs import queries
from query_api.pagination import paginated, requested_page

API = "/api/v1"


async def visible_job(request: Request, runtime: Runtime, job_id: str, kind: str,
                      staff_sees_all: bool = True) -> dict[str, Any]:
    """The job if the caller owns it (or is staff); 404 otherwise, so ids reveal nothing."""
    try:
        job = await queries.job_of_kind(runtime.store, str(UUID(job_id)), kind)
    except ValueError:
        job = None
    allowed = job is not None and (job["owner_id"] == str(request.user.id) or
                                   (staff_sees_all and request.user.is_staff))
    if not allowed:
        raise NotFoundError(f"{kind.replace('_', ' ').capitalize()} not found")
    return job  # type: ignore[return-value]


def url(runtime: Runtime, key: str | None) -> str | None:
    return runtime.resource(open_object_storage).url(key) if key else None


@get(f"{API}/reports/{{report_id:str}}")
async def report_detail(report_id: FromPath[str], request: Request,
                        runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    job = await visible_job(request, runtime, report_id, "report")
    file_url = url(runtime, job["file_key"]) if job["status"] == "done" else None
    return {"id": job["id"], "status": job["status"], "file_url": file_url,
            "rows": job["rows_done"] if job["status"] == "done" else None, "error": job["error"],
            "download_url": f"{API}/reports/{job['id']}/download/" if file_url else None,
            "created_at": job["created_at"]}


@get(f"{API}/reports/{{report_id:str}}/download")
async def report_download(report_id: FromPath[str], request: Request,
                          runtime: NamedDependency[Runtime]) -> Stream:
    job = await visible_job(request, runtime, report_id, "report")
    if job["status"] != "done":
        raise NotFoundError("The report is not ready")
    try:
        stream = runtime.resource(open_object_storage).open(job["file_key"])
    except StoredObjectMissing as missing:  # removed behind our back: a lifecycle rule, a lost disk
        raise NotFoundError("The report's file is no longer stored") from missing
    # Litestar adds "; charset=utf-8" to a text/ type (given here too, it was said twice).
    return Stream(chunks(stream), media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="report-{job["id"]}.csv"'})


async def chunks(stream: Any) -> AsyncIterator[bytes]:
    with stream:
        while chunk := stream.read(CHUNK):
            yield chunk


@get(f"{API}/contacts/task-status/{{task_id:str}}")
async def import_status(task_id: FromPath[str], request: Request,
                        runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    job = await visible_job(request, runtime, task_id, "contacts_import")
    errors = await queries.row_errors(runtime.store, job["id"])
    # Rows with data: `rows_done` also counts blank lines, which made created + skipped +
    # invalid fall short of the total.
    total = job["created"] + job["skipped"] + job["invalid"]
    return {"id": job["id"], "status": job["status"], "total": total, "created": job["created"],
            "skipped": job["skipped"], "invalid": job["invalid"], "errors": errors, "error": job["error"]}


def image_body(runtime: Runtime, job: dict[str, Any]) -> dict[str, Any]:
    return {"id": job["id"], "name": job["name"], "status": IMAGE_STATUS[job["status"]],
            "original_url": url(runtime, job["original_key"]),
            "thumbnail_url": url(runtime, job["thumbnail_key"]), "error": job["error"],
            "created_at": job["created_at"]}


@get(f"{API}/images")
async def list_images(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    page = requested_page(request)
    count, rows = await queries.images_page(runtime.store, str(request.user.id), page)
    return paginated(request, page, count, [image_body(runtime, row) for row in rows])


@get(f"{API}/images/{{image_id:str}}")
async def image_detail(image_id: FromPath[str], request: Request,
                       runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    job = await visible_job(request, runtime, image_id, "image", staff_sees_all=False)
    return image_body(runtime, job)


@get(f"{API}/mail/broadcast/{{broadcast_id:str}}")
async def broadcast_status(broadcast_id: FromPath[str], request: Request,
                           runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    job = await visible_job(request, runtime, broadcast_id, "broadcast")
    failures = await queries.delivery_failures(runtime.store, job["id"])
    return {"id": job["id"], "status": job["status"], "sent": job["sent"], "failed": job["failed"],
            "failures": failures, "error": job["error"]}


router = [report_detail, report_download, import_status, list_images, image_detail, broadcast_status]
