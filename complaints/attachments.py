"""Checks on uploaded photos: by their content, never by their name."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Pillow format name -> the content type we store and serve.
ACCEPTED_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


def image_content_type(content: bytes) -> str | None:
    """The content type if ``content`` really is an accepted image, else None."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format or ""
            image.verify()  # reads the whole structure: catches truncated or fake files
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return ACCEPTED_FORMATS.get(image_format)
