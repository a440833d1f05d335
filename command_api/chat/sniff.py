"""What an uploaded file really is, from its first bytes; the client's claim is ignored.

Only kinds a chat client can show or offer for download are accepted; markup (HTML, SVG) is
stored as plain text at most, and executables or unknown binaries are refused.
"""
from __future__ import annotations

from typing import IO

from PIL import Image, UnidentifiedImageError

from infra.web.errors import ApiError

SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"), (b"%PDF-", "application/pdf"), (b"PK\x03\x04", "application/zip"),
    (b"ID3", "audio/mpeg"), (b"OggS", "audio/ogg"), (b"\x1aE\xdf\xa3", "video/webm"),
)
HEAD = 4096


def content_type_of(stream: IO[bytes]) -> str:
    """The sniffed type of a rewindable stream (left rewound); 400 when it is not accepted."""
    head = stream.read(HEAD)
    stream.seek(0)
    found = _by_signature(head) or ("text/plain" if _is_text(head) else None)
    if found is None:
        raise unsupported()
    if found.startswith("image/"):
        _check_image(stream)
    return found


def _by_signature(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3
    return True


def _check_image(stream: IO[bytes]) -> None:
    try:
        with Image.open(stream) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise unsupported("The image is damaged") from None
    finally:
        stream.seek(0)


def unsupported(message: str = "Unsupported file type") -> ApiError:
    return ApiError(400, "INVALID_PAYLOAD", message,
                    {"file": ["must be an image, PDF, archive, audio, video or plain text"]})
