"""Jobs commands over HTTP (CONTRACT §8): reports, contacts import, images, mail broadcast.

Each route records a job (its creation event) and answers at once; workers do the work.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import IO, Any
from uuid import UUID

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from command_api.jobs.schemas import RequestBroadcast, RequestReport
from command_api.jobs.tasks.contacts import READ, REQUIRED
from command_api.jobs.uploads import check_csv_header, checked_name, image_type, utf8_csv
from domain.errors import ForbiddenError
from domain.jobs.application import JobsApplication
from domain.quotas.application import QuotasApplication
from infra.runtime import Runtime
from infra.s3 import object_key, open_object_storage
from infra.web.uploads import UPLOAD_ROUTE, spooled_upload, upload_from

log = logging.getLogger("tessera.jobs")
API = "/api/v1"
UPLOAD_ACTION = "upload"


def jobs(runtime: Runtime) -> JobsApplication:
    return runtime.app(JobsApplication)


def require_staff(request: Request) -> None:
    if not request.user.is_staff:
        raise ForbiddenError("Only admin or support users may do this")


async def received_file(request: Request, runtime: Runtime) -> tuple[IO[bytes], str]:
    """The `file` part, size-checked (413) and spooled, and its checked name."""
    upload = upload_from(await request.form())
    name = checked_name(upload.filename)
    spool, _ = await spooled_upload(upload, runtime.settings.upload_max_bytes)
    return spool, name


async def stored(runtime: Runtime, spool: IO[bytes], name: str, content_type: str) -> tuple[str, int]:
    key = object_key("jobs", name)
    size = await asyncio.to_thread(runtime.resource(open_object_storage).put, key, spool, content_type)
    return key, size


@post(f"{API}/reports", status_code=HTTP_202_ACCEPTED)
async def request_report(request: Request, runtime: NamedDependency[Runtime],
                         data: JSONBody[RequestReport | None] = None) -> dict[str, Any]:
    require_staff(request)
    report, position = await runtime.execute(jobs(runtime).request_report, request.user.id,
                                             actor=request.user.id)
    return {"id": str(report.id), "status": report.status, "position": position}


@post(f"{API}/contacts/upload-csv", status_code=HTTP_202_ACCEPTED, opt=UPLOAD_ROUTE)
async def upload_contacts(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    require_staff(request)
    spool, name = await received_file(request, runtime)
    with spool:
        text = await asyncio.to_thread(utf8_csv, spool)
        check_csv_header(text, REQUIRED, READ)
        key, _ = await stored(runtime, text, name, "text/csv")
    job, position = await runtime.execute(jobs(runtime).request_contacts_import, request.user.id, key, name,
                                          actor=request.user.id)
    return {"task_id": str(job.id), "status": job.status, "position": position}


async def charge_upload(runtime: Runtime, user_id: UUID, key: str) -> None:
    """Take the `upload` unit once the file is stored, so an upload storage could not take
    costs nothing and the count stays exact however many run at once; a file the quota
    refuses is deleted again."""
    try:
        await runtime.execute(runtime.app(QuotasApplication).consume, user_id, UPLOAD_ACTION, 1,
                              datetime.now(UTC), actor=user_id)
    except Exception:
        await asyncio.to_thread(forget_upload, runtime, key)
        raise


def forget_upload(runtime: Runtime, key: str) -> None:
    try:
        runtime.resource(open_object_storage).delete(key)
    except Exception:  # noqa: BLE001 - the refusal stands; an orphaned file only costs space
        log.warning("could not delete the refused upload %s", key, exc_info=True)


@post(f"{API}/images", status_code=HTTP_201_CREATED, opt=UPLOAD_ROUTE)
async def upload_image(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    me = request.user.id
    spool, name = await received_file(request, runtime)
    with spool:
        content_type = await asyncio.to_thread(image_type, spool)
        key, size = await stored(runtime, spool, name, content_type)
    await charge_upload(runtime, me, key)
    image, position = await runtime.execute(jobs(runtime).upload_image, me, key, name, content_type, size,
                                            actor=me)
    return {"id": str(image.id), "status": "processing", "name": name,
            "original_url": runtime.resource(open_object_storage).url(key), "position": position}


@post(f"{API}/mail/broadcast", status_code=HTTP_202_ACCEPTED)
async def request_broadcast(data: JSONBody[RequestBroadcast], request: Request,
                            runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    if not request.user.is_admin:
        raise ForbiddenError("Only an admin may broadcast mail")
    broadcast, position = await runtime.execute(jobs(runtime).request_broadcast, request.user.id,
                                                data.subject, data.body, actor=request.user.id)
    return {"id": str(broadcast.id), "status": broadcast.status, "position": position}


router = [request_report, upload_contacts, upload_image, request_broadcast]


async def on_startup(runtime: Runtime) -> None:
    """Embedded mode runs the jobs worker in this process; otherwise `tessera worker` does."""
    if runtime.embedded_bus:
        from infra.worker import start_embedded

        start_embedded(runtime)
