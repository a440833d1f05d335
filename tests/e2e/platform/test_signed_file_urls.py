"""Files in the local object store are served by the query service only through signed URLs."""
from __future__ import annotations

import uuid
from pathlib import Path

from infra.config import DEV_SECRET_KEY
from infra.s3 import DiskStorage


def stack_storage(stack) -> DiskStorage:
    return DiskStorage(Path(stack.env["TESSERA_DATA_DIR"]) / "files", DEV_SECRET_KEY)


def test_a_signed_url_streams_the_file_with_its_content_type(stack) -> None:
    storage, key = stack_storage(stack), f"test/{uuid.uuid4().hex}/note.txt"
    storage.put(key, b"signed content", "text/plain")
    response = stack.client().get(storage.url(key))
    assert response.status_code == 200 and response.content == b"signed content"
    assert response.headers["content-type"].startswith("text/plain")


def test_a_tampered_or_unsigned_url_is_not_found_in_the_envelope(stack) -> None:
    storage, key = stack_storage(stack), f"test/{uuid.uuid4().hex}/note.txt"
    storage.put(key, b"secret", "text/plain")
    tampered = storage.url(key).replace("note.txt", "other.txt")
    for url in (tampered, f"/files/{key}"):
        response = stack.client().get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
