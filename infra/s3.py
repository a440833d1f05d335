"""Object storage: S3 through boto3 when `TESSERA_S3_ENDPOINT_URL` is set, local disk otherwise.

Both stores hand out URLs that expire: S3 presigns them; the disk store signs
`/files/<key>?expires=&signature=` with the secret key, and the query service checks the
signature before streaming (`query_api/files/routes.py`). So an `<img src>` works without a
bearer header, yet a URL cannot be forged or reused forever.

Keys are built by `object_key(context, name)`, never from raw client input, so a name like
`../../etc/passwd` can only ever become a harmless file name inside its own prefix.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol
from urllib.parse import quote, urlencode

from infra.config import Settings

log = logging.getLogger("tessera.storage")
URL_SECONDS = 3600
CHUNK = 64 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class StoredObjectMissing(LookupError):
    """The key names no stored object."""


class ObjectStorageUnavailable(ConnectionError):
    """S3 could not be reached or refused to serve; the edge answers 503 UPSTREAM_ERROR."""


@contextmanager
def s3_unavailable_as_such(action: str) -> Iterator[None]:
    """botocore's failures (no endpoint, timeouts, refusals) as `ObjectStorageUnavailable`:
    they were 500s, and an image upload had charged its quota before storing failed."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise ObjectStorageUnavailable(f"object storage failed to {action}: {type(error).__name__}") from error


class ObjectStorage(Protocol):
    def put(self, key: str, data: bytes | IO[bytes], content_type: str) -> int: ...
    def open(self, key: str) -> BinaryIO: ...
    def read(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def url(self, key: str, seconds: int = URL_SECONDS) -> str: ...


def safe_name(name: str | None, default: str = "file") -> str:
    """The last path component of a client's file name, reduced to harmless characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._")[:120]
    return cleaned or default


def object_key(context: str, name: str | None) -> str:
    return f"{context}/{uuid.uuid4().hex}/{safe_name(name)}"


def open_object_storage(settings: Settings) -> ObjectStorage:
    if settings.s3_endpoint_url:
        return S3Storage(settings)
    return DiskStorage(settings.data_dir / "files", settings.secret_key)


class DiskStorage:
    """Files under the data directory, written to a temporary name and renamed into place."""

    def __init__(self, root: Path, secret: str) -> None:
        self.root, self._secret = root.resolve(), secret.encode()

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StoredObjectMissing(key)
        return path

    def put(self, key: str, data: bytes | IO[bytes], content_type: str) -> int:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        with partial.open("wb") as out:
            if isinstance(data, bytes | bytearray | memoryview):
                out.write(data)
            else:
                shutil.copyfileobj(data, out, CHUNK)
        partial.replace(path)
        path.with_name(f".{path.name}.type").write_text(content_type)
        return path.stat().st_size

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError as missing:
            raise StoredObjectMissing(key) from missing

    def read(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except StoredObjectMissing:
            return False

    def content_type(self, key: str) -> str:
        marker = self.path(key).with_name(f".{self.path(key).name}.type")
        return marker.read_text() if marker.is_file() else "application/octet-stream"

    def delete(self, key: str) -> None:
        for path in (self.path(key), self.path(key).with_name(f".{self.path(key).name}.type")):
            path.unlink(missing_ok=True)

    def signature(self, key: str, expires: int) -> str:
        return hmac.new(self._secret, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def url(self, key: str, seconds: int = URL_SECONDS) -> str:
        expires = int(time.time()) + seconds
        query = urlencode({"expires": expires, "signature": self.signature(key, expires)})
        return f"/files/{quote(key)}?{query}"

    def verify(self, key: str, expires: int, signature: str) -> bool:
        fresh = expires >= time.time()
        return fresh and hmac.compare_digest(self.signature(key, expires), signature)


class S3Storage:
    """Any S3-compatible endpoint; the bucket is created on first use if it is missing."""

    def __init__(self, settings: Settings) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = settings.s3_bucket
        self.client: Any = boto3.client("s3", endpoint_url=settings.s3_endpoint_url,
                                        config=Config(retries={"max_attempts": 3}))
        self._ensure_bucket()

    def _ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        with s3_unavailable_as_such("open the bucket"):
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError:
                log.info("creating bucket %s", self.bucket)
                self.client.create_bucket(Bucket=self.bucket)

    def put(self, key: str, data: bytes | IO[bytes], content_type: str) -> int:
        with s3_unavailable_as_such("store"):
            if isinstance(data, bytes | bytearray | memoryview):
                self.client.put_object(Bucket=self.bucket, Key=key, Body=bytes(data), ContentType=content_type)
            else:
                self.client.upload_fileobj(data, self.bucket, key, ExtraArgs={"ContentType": content_type})
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        with s3_unavailable_as_such("read"):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]  # type: ignore[no-any-return]
            except ClientError as missing:
                raise StoredObjectMissing(key) from missing

    def read(self, key: str) -> bytes:
        return self.open(key).read()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError:
            return False
        return True

    def delete(self, key: str) -> None:
        with s3_unavailable_as_such("delete"):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def url(self, key: str, seconds: int = URL_SECONDS) -> str:
        return str(self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds))

    def close(self) -> None:
        self.client.close()
