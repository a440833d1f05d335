"""Signed download URLs of the local object store (`infra/s3.py`); S3 serves its own presigned URLs."""
from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Stream

from infra.runtime import Runtime
from infra.s3 import CHUNK, DiskStorage, StoredObjectMissing, open_object_storage
from infra.web.errors import ApiError


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "No such file")


async def chunks(stream) -> AsyncIterator[bytes]:  # type: ignore[no-untyped-def]
    with stream:
        while chunk := stream.read(CHUNK):
            yield chunk


@get("/files/{key:path}", opt={"public": True}, include_in_schema=False)
async def download(key: FromPath[str], runtime: NamedDependency[Runtime],
                   expires: FromQuery[int] = 0, signature: FromQuery[str] = "") -> Stream:
    storage = runtime.resource(open_object_storage)
    key = key.lstrip("/")
    if not isinstance(storage, DiskStorage) or not storage.verify(key, expires, signature):
        raise not_found()
    try:
        stream, content_type = storage.open(key), storage.content_type(key)
    except StoredObjectMissing as missing:
        raise not_found() from missing
    return Stream(chunks(stream), media_type=content_type,
                  headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})


router = [download]
