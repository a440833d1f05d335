"""Checks on uploaded files before anything is stored: names, sizes, real content."""
from __future__ import annotations

import io
from typing import IO

from PIL import Image as Pillow

from command_api.jobs.spreadsheet_csv import as_utf8, column_names, csv_records, text_lines
from command_api.jobs.tasks.images import THUMBNAIL_SIZE
from domain.errors import InvalidError
from infra.web.errors import ApiError

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
# The thumbnail decodes a PNG, GIF or WEBP whole: a 17 kB PNG of 12,000 x 12,000 pixels took
# 160 MB to decode (four bytes a pixel in colour). A JPEG is decoded at reduced scale (draft).
MAX_DECODED_PIXELS = 40_000_000


def checked_name(name: str | None) -> str:
    """The client's file name, refused if it tries to name a path."""
    name = (name or "").strip()
    if not name or any(part in name for part in ("/", "\\", "..", "\x00")) or len(name) > 255:
        raise InvalidError("Invalid file name", {"file": ["must be a plain file name, no path"]})
    return name


def image_type(spool: IO[bytes]) -> str:
    """The content type of an uploaded image, which must decode (else INVALID_PAYLOAD).

    `verify` reads a PNG's or WEBP's data but only a JPEG's or GIF's headers: a truncated JPEG
    or GIF was accepted, and its thumbnail job failed three times over. Those two are decoded
    as the thumbnail decodes them (a JPEG at reduced scale, a GIF's first frame), once their
    size passed the pixel bound."""
    try:
        with Pillow.open(spool) as image:
            image.verify()
            kind, (width, height) = image.format or "", image.size
    except Pillow.DecompressionBombError:  # over twice Pillow's own bound, even a JPEG
        raise too_many_pixels() from None
    except Exception:  # noqa: BLE001 - Pillow raises many types for undecodable data
        raise not_an_image() from None
    finally:
        spool.seek(0)
    if kind not in IMAGE_FORMATS:
        raise InvalidError("Unsupported image format", {"file": ["must be a JPEG, PNG, GIF or WEBP image"]})
    if kind != "JPEG" and width * height > MAX_DECODED_PIXELS:
        raise too_many_pixels()
    if kind in ("JPEG", "GIF"):
        try:
            with Pillow.open(spool) as image:
                image.draft("RGB", THUMBNAIL_SIZE)
                image.load()
        except Exception:  # noqa: BLE001 - as above
            raise not_an_image() from None
        finally:
            spool.seek(0)
    return IMAGE_FORMATS[kind]


def too_many_pixels() -> ApiError:
    return ApiError(413, "PAYLOAD_TOO_LARGE", f"Image larger than {MAX_DECODED_PIXELS} pixels",
                    {"file": [f"at most {MAX_DECODED_PIXELS} pixels unless a JPEG"]})


def not_an_image() -> InvalidError:
    return InvalidError("The file is not an image", {"file": ["must be a JPEG, PNG, GIF or WEBP image"]})


def utf8_csv(spool: IO[bytes]) -> IO[bytes]:
    """The uploaded CSV as UTF-8, whatever a spreadsheet wrote it in (`as_utf8`)."""
    data = spool.read()
    spool.seek(0)
    text = as_utf8(data)
    return spool if text is data else io.BytesIO(text)


def check_csv_header(spool: IO[bytes], required: tuple[str, ...], read: tuple[str, ...] = ()) -> None:
    """The first record must be a CSV header naming each required column, and each column
    the import reads (`read`) at most once: of two `email` columns the last one was used."""
    header = column_names(next(csv_records(text_lines(spool)), None))
    spool.seek(0)
    if any("\x00" in name for name in header):
        raise InvalidError("The file is not text in a known encoding", {"file": [
            "looks like UTF-16 without a byte order mark; save it as CSV UTF-8 or as Unicode text"]})
    problems = [f"missing column {name}" for name in required if name not in header]
    problems += [f"column {name} appears more than once" for name in read or required if header.count(name) > 1]
    if problems:
        raise InvalidError("The CSV header must name each required column once", {"file": problems})
