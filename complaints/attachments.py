"""Checks on uploaded photos (by their content, never by their name); adding them later."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, UnidentifiedImageError
from werkzeug.utils import secure_filename

from .errors import ValidationFailed
from .extensions import db
from .models import Complaint

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Pillow format name -> the content type we store and serve.
ACCEPTED_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
}
# Pillow warns past this many pixels and refuses twice as many; we refuse both. A phone
# photo has 12–50 million; a bomb declares billions in a few hundred bytes.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485


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
            width, height = image.size
            if width * height > MAX_PIXELS:
                return None  # a decompression bomb: it would inflate to gigabytes when shown
            image.verify()  # reads the whole structure: catches truncated or fake files
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return ACCEPTED_FORMATS.get(image_format)


def stored_filename(original: str | None, content_type: str) -> str:
    """The name a photo is stored under: plain characters, no directories, the real extension.

    ``../../etc/passwd.jpg`` becomes ``passwd.jpg`` and ``foto.png.html``
    holding a JPEG becomes ``foto.png.jpg``: the name can never point outside
    or claim another type.
    """
    base = (original or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = secure_filename(base.rsplit(".", 1)[0] if "." in base else base)
    return f"{stem[:100] or 'photo'}{EXTENSIONS.get(content_type, '')}"


@dataclass(frozen=True)
class PhotosAdded:
    """What :func:`add_photos` did: photos stored, refused over the limit, and now held."""

    added: int
    over_limit: int
    total: int


def add_photos(
    complaint: Complaint, photos: Sequence[NewAttachment], *, now: datetime
) -> PhotosAdded:
    """Store photos sent after a complaint was filed, checked as intake checks them.

    The complaint holds at most ``MAX_PHOTOS`` in all: photos past that are
    refused (counted in ``over_limit``), the earlier ones kept. Raises
    ValidationFailed, storing nothing, when a photo is too large or not an
    accepted image. The caller writes the event and commits, and keeps two
    additions to one complaint from running at once (the SMS channel holds
    the sender's row lock), so the count it starts from stays true.
    """
    # Imported here: intake imports this module for the checks it shares.
    from .intake import _validated_photos

    held = len(complaint.attachments)  # a few rows; their bytes are deferred
    fitting = photos[: max(MAX_PHOTOS - held, 0)]
    errors: dict[str, str] = {}
    attachments = _validated_photos(fitting, errors)
    if errors:
        raise ValidationFailed(errors)
    for attachment in attachments:
        attachment.complaint = complaint
        attachment.created_at = now
        db.session.add(attachment)
    return PhotosAdded(len(attachments), len(photos) - len(fitting), held + len(attachments))
