"""Attachment types come from the bytes, never from what the client claims."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from command_api.chat.sniff import content_type_of
from infra.web.errors import ApiError


def image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2)).save(out, format=kind)
    return out.getvalue()


@pytest.mark.parametrize("data, expected", [
    (image("PNG"), "image/png"), (image("JPEG"), "image/jpeg"), (image("GIF"), "image/gif"),
    (image("WEBP"), "image/webp"), (b"%PDF-1.7\n...", "application/pdf"),
    (b"PK\x03\x04rest", "application/zip"), (b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
    ("plain ünïcødé text\n".encode(), "text/plain"), (b"<svg onload=alert(1)>", "text/plain"),
])
def test_known_kinds_are_recognised_and_the_stream_is_rewound(data, expected):
    stream = io.BytesIO(data)
    assert content_type_of(stream) == expected
    assert stream.tell() == 0


@pytest.mark.parametrize("data", [b"", b"MZ\x90\x00binary\x00", b"\x7fELF\x02\x01\x01\x00\x00",
                                  b"\x89PNG\r\n\x1a\ntruncated", b"\xff\xfe\xfa\xfb\xfc"])
def test_empty_binary_unknown_or_damaged_files_are_refused(data):
    with pytest.raises(ApiError) as refused:
        content_type_of(io.BytesIO(data))
    assert refused.value.status == 400 and "file" in refused.value.details
