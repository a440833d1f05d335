"""The S3 object store against a real S3-compatible server (moto in server mode, over HTTP)."""
from __future__ import annotations

import io
import uuid

import httpx
import pytest

from infra.config import Settings
from infra.s3 import S3Storage, StoredObjectMissing


@pytest.fixture
def s3_storage(moto_server, monkeypatch: pytest.MonkeyPatch) -> S3Storage:
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    return S3Storage(Settings(s3_endpoint_url=moto_server.endpoint_url, s3_bucket=bucket))


def test_the_bucket_is_created_when_missing(s3_storage: S3Storage) -> None:
    buckets = {b["Name"] for b in s3_storage.client.list_buckets()["Buckets"]}
    assert s3_storage.bucket in buckets


def test_objects_round_trip_and_presigned_urls_download_them(s3_storage: S3Storage) -> None:
    assert s3_storage.put("reports/1/a.csv", io.BytesIO(b"email\na@x.io\n"), "text/csv") == 13
    assert s3_storage.read("reports/1/a.csv") == b"email\na@x.io\n"
    download = httpx.get(s3_storage.url("reports/1/a.csv"))
    assert download.status_code == 200 and download.content == b"email\na@x.io\n"
    s3_storage.delete("reports/1/a.csv")
    assert not s3_storage.exists("reports/1/a.csv")
    with pytest.raises(StoredObjectMissing):
        s3_storage.open("reports/1/a.csv")
