"""The local object store: safe keys, atomic writes, and signed URLs that expire."""
from __future__ import annotations

import io
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from infra.s3 import DiskStorage, StoredObjectMissing, object_key, safe_name


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"), ("..\\..\\boot.ini", "boot.ini"), ("a b?.png", "a_b_.png"),
    ("", "file"), ("...", "file"), (None, "file")])
def test_client_file_names_become_harmless_last_components(name: str | None, expected: str) -> None:
    assert safe_name(name) == expected


def test_keys_stay_inside_their_context_prefix() -> None:
    key = object_key("chat", "../../x.png")
    context, unique, name = key.split("/")
    assert (context, name) == ("chat", "x.png") and len(unique) == 32


def test_stored_bytes_and_streams_read_back_with_their_content_type(tmp_path: Path) -> None:
    storage = DiskStorage(tmp_path, "secret")
    assert storage.put("a/1/x.txt", b"hello", "text/plain") == 5
    assert storage.put("a/2/y.bin", io.BytesIO(b"\x00" * 300_000), "application/octet-stream") == 300_000
    assert storage.read("a/1/x.txt") == b"hello" and storage.content_type("a/1/x.txt") == "text/plain"
    assert not list(tmp_path.rglob("*.part"))
    storage.delete("a/1/x.txt")
    assert not storage.exists("a/1/x.txt")
    with pytest.raises(StoredObjectMissing):
        storage.open("a/1/x.txt")


def test_a_key_escaping_the_root_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoredObjectMissing):
        DiskStorage(tmp_path / "files", "secret").open("../outside")


def test_signed_urls_verify_only_with_the_right_key_signature_and_time(tmp_path: Path) -> None:
    storage = DiskStorage(tmp_path, "secret")
    query = parse_qs(urlsplit(storage.url("a/1/x.txt")).query)
    expires, signature = int(query["expires"][0]), query["signature"][0]
    assert storage.verify("a/1/x.txt", expires, signature)
    assert not storage.verify("a/1/other.txt", expires, signature)
    assert not DiskStorage(tmp_path, "other-secret").verify("a/1/x.txt", expires, signature)
    past = int(time.time()) - 1
    assert not storage.verify("a/1/x.txt", past, storage.signature("a/1/x.txt", past))
