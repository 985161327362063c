"""Checks on photos (by their content, never by their name), for intake and added later."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from PIL import Image, UnidentifiedImageError
from werkzeug.utils import secure_filename

from .errors import ValidationFailed
from .extensions import db
from .models import Attachment, Complaint

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


def validated_photos(photos: Sequence[NewAttachment], errors: dict[str, str]) -> list[Attachment]:
    """The photos as attachment rows (not yet stored), checked by their content.

    A problem goes into ``errors`` under ``photos`` (in the current locale), and
    no rows are returned then.
    """
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = gettext("At most %(count)d photos.", count=MAX_PHOTOS)
        return []
    stored = []
    for photo in photos:
        if len(photo.content) > MAX_PHOTO_BYTES:
            errors["photos"] = gettext("Each photo may be at most 10 MB.")
            return []
        content_type = image_content_type(photo.content)
        if content_type is None:
            errors["photos"] = gettext("Only JPEG, PNG, WebP or GIF photos are accepted.")
            return []
        stored.append(
            Attachment(
                filename=stored_filename(photo.filename, content_type),
                content_type=content_type,
                size=len(photo.content),
                sha256=hashlib.sha256(photo.content).hexdigest(),
                content=photo.content,
            )
        )
    return stored


def add_photos(complaint: Complaint, photos: Sequence[NewAttachment], *, now: datetime) -> int:
    """Store photos sent after a complaint was filed, checked as intake checks them.

    The complaint holds at most ``MAX_PHOTOS`` in all: photos past that are
    refused, the earlier ones kept. Returns how many were stored. Raises
    ValidationFailed, storing nothing, when a photo is too large or not an
    accepted image. The caller writes the event and commits, and keeps two
    additions to one complaint from running at once (the SMS channel holds
    the sender's row lock), so the count it starts from stays true.
    """
    held = len(complaint.attachments)  # a few rows; their bytes are deferred
    fitting = photos[: max(MAX_PHOTOS - held, 0)]
    errors: dict[str, str] = {}
    attachments = validated_photos(fitting, errors)
    if errors:
        raise ValidationFailed(errors)
    for attachment in attachments:
        attachment.complaint = complaint
        attachment.created_at = now
        db.session.add(attachment)
    return len(attachments)
