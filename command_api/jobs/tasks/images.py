"""Image job: the thumbnail, with EXIF orientation applied; JPEGs are decoded at reduced scale."""
from __future__ import annotations

import io
from typing import Any

from PIL import Image as Pillow
from PIL import ImageOps

THUMBNAIL_SIZE = (256, 256)


def thumbnail(data: bytes) -> tuple[bytes, int, int]:
    """A JPEG no larger than THUMBNAIL_SIZE, upright, and its size."""
    with Pillow.open(io.BytesIO(data)) as original:
        if original.format == "JPEG":
            original.draft("RGB", THUMBNAIL_SIZE)
        image = ImageOps.exif_transpose(original)
    image.thumbnail(THUMBNAIL_SIZE)
    if image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue(), image.width, image.height


def thumbnail_key(job_id: object) -> str:
    return f"jobs/{job_id}/thumbnail.jpg"


def run(worker: Any, job: Any) -> dict[str, Any]:
    with worker.storage.open(job.original_key) as stream:
        data, width, height = thumbnail(stream.read())
    worker.storage.put(thumbnail_key(job.id), data, "image/jpeg")
    return {"thumbnail_key": thumbnail_key(job.id), "width": width, "height": height}
