"""Multipart uploads read with a hard size bound, so a large body never sits whole in memory.

Litestar already refuses bodies far over the limit (`request_max_body_size`); this catches the
rest and turns a missing or oversize `file` part into the error envelope.
"""
from __future__ import annotations

import tempfile
from typing import IO, Any

from litestar.datastructures import UploadFile

from infra.web.errors import ApiError

CHUNK = 256 * 1024
# `opt` of the routes that take a multipart upload: the edge leaves their bodies to them.
UPLOAD_OPT = "upload"
UPLOAD_ROUTE = {UPLOAD_OPT: True}


def too_large(limit: int) -> ApiError:
    return ApiError(413, "PAYLOAD_TOO_LARGE", f"File larger than {limit} bytes",
                    {"file": [f"at most {limit} bytes"]})


def missing_file() -> ApiError:
    return ApiError(400, "INVALID_PAYLOAD", "A multipart field named 'file' is required",
                    {"file": ["required"]})


def upload_from(form: Any) -> UploadFile:
    """The `file` part of a parsed multipart form (Litestar gives a dict-like of parts)."""
    part = form.get("file") if hasattr(form, "get") else None
    if not isinstance(part, UploadFile):
        raise missing_file()
    return part


async def spooled_upload(upload: UploadFile, limit: int) -> tuple[IO[bytes], int]:
    """The upload copied to a spooled temporary file (memory up to 1 MiB), rewound, with its size."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115 - caller closes
    size = 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            spool.close()
            raise too_large(limit)
        spool.write(chunk)
    spool.seek(0)
    return spool, size
