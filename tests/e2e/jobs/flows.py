"""Steps the jobs tests share: uploads, CSV files, and waiting for a job to get somewhere."""
from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from tests.fixtures import wait_until
from tests.fixtures.stack import Stack


def csv_bytes(rows: list[tuple[str, ...]], header: str = "email,first_name,last_name,phone") -> bytes:
    return (header + "\n" + "".join(",".join(row) + "\n" for row in rows)).encode()


def fresh_people(count: int, tag: str | None = None) -> list[tuple[str, ...]]:
    tag = tag or uuid.uuid4().hex[:10]
    return [(f"imp-{tag}-{n}@tessera.test", f"First{n}", f"Last{n}", f"+3160000{n:04d}") for n in range(count)]


def jpeg_bytes(size: tuple[int, int] = (320, 200), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def post_file(stack: Stack, token: str, path: str, name: str, data: bytes,
              content_type: str = "application/octet-stream") -> Any:
    with stack.client(token) as http:
        return http.post(path, files={"file": (name, data, content_type)})


def get_json(stack: Stack, token: str, path: str, position: int | None = None) -> dict[str, Any]:
    headers = {"X-Min-Position": str(position)} if position else {}
    with stack.client(token) as http:
        answer = http.get(path, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_for_state(stack: Stack, token: str, path: str, done: Callable[[dict[str, Any]], bool],
                   timeout: float = 60.0) -> dict[str, Any]:
    """Poll a job's read model until `done(body)`; fail with the last body and the logs."""
    seen: dict[str, Any] = {}

    def reached() -> bool:
        with stack.client(token) as http:
            answer = http.get(path)
        if answer.status_code == 404:  # the read model has not seen the job yet
            return False
        assert answer.status_code == 200, answer.text
        seen.update(answer.json())
        return done(seen)

    try:
        wait_until(reached, timeout=timeout, interval=0.1)
    except (AssertionError, TimeoutError) as error:
        raise AssertionError(f"{path} stuck at {seen}\n{stack.log_tails()}") from error
    return dict(seen)


def finished(body: dict[str, Any]) -> bool:
    return body["status"] in ("done", "failed", "ready")


def stored_keys(stack: Stack) -> list[str]:
    """Every object the stack's storage holds (bucket or local directory)."""
    env = stack.env
    if env.get("TESSERA_S3_ENDPOINT_URL"):
        from botocore.exceptions import ClientError

        pages = s3_client(stack).get_paginator("list_objects_v2").paginate(Bucket=env["TESSERA_S3_BUCKET"])
        try:
            return [item["Key"] for page in pages for item in page.get("Contents", [])]
        except ClientError as error:  # the bucket is created with the first stored object
            assert error.response["Error"]["Code"] == "NoSuchBucket", error
            return []
    root = Path(env["TESSERA_DATA_DIR"]) / "files"
    return [str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()]


def s3_client(stack: Stack) -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=stack.env["TESSERA_S3_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def delete_stored(stack: Stack, key: str) -> None:
    """Remove one object behind the stack's back, as a lifecycle rule or a lost disk would."""
    if stack.env.get("TESSERA_S3_ENDPOINT_URL"):
        s3_client(stack).delete_object(Bucket=stack.env["TESSERA_S3_BUCKET"], Key=key)
    else:
        (Path(stack.env["TESSERA_DATA_DIR"]) / "files" / key).unlink()
