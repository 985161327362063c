"""Photos for intake and added later: checked by their content, never by their name, and
stored re-encoded without metadata.

A phone photo carries the camera's EXIF: the owner's name (Artist, Copyright,
often with a phone number), the GPS position and the time, and XMP, ICC and
comment blocks besides. An anonymous reporter's photo would hand all of it to
the officer, so every photo is decoded and encoded afresh here, where the
photos of every channel pass, keeping only its pixels. Location is kept only
in the complaint's own fields, where the reporter chose to give it.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from .errors import DomainError, ValidationFailed
from .extensions import db
from .models import Attachment, Complaint, ComplaintEvent, Status

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Pillow format name -> the content type we store and serve.
ACCEPTED_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
PDF = "application/pdf"
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    PDF: ".pdf",
}
# Pillow warns past this many pixels and refuses twice as many; we refuse both. A phone
# photo has 12–50 million; a bomb declares billions in a few hundred bytes.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
# The long side of a stored photo: enough to read a street sign, a fraction of
# a phone photo's bytes.
MAX_PHOTO_SIDE = 2048
# A thumbnail on a citizen's page: enough to recognise the photo, a few KB on 3G.
THUMBNAIL_SIDE = 320
# What each format is encoded with. JPEG and lossy WebP at 90: re-encoding
# loses a little; 90 keeps a photo that serves as evidence sharp.
_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 90},
    "WEBP": {"quality": 90},
    "PNG": {},
    "GIF": {},
}
# The only entry of Image.info carried over: it says which pixels are
# see-through (PNG, GIF), part of the picture rather than about it.
_PIXEL_INFO = ("transparency",)


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


def has_too_many_pixels(image: Image.Image) -> bool:
    """True when an opened (not yet decoded) image declares more than ``MAX_PIXELS``.

    Check it before decoding: a decompression bomb declares billions of pixels
    in a few hundred bytes and would inflate to gigabytes in memory. Pillow
    itself refuses only twice as many (``Image.DecompressionBombError``).
    """
    width, height = image.size
    return width * height > MAX_PIXELS


def image_content_type(content: bytes) -> str | None:
    """The content type if ``content`` really is an accepted image, else None."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format or ""
            if has_too_many_pixels(image):
                return None  # a decompression bomb: it would inflate to gigabytes when shown
            image.verify()  # reads the whole structure: catches truncated or fake files
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return ACCEPTED_FORMATS.get(image_format)


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    content_type: str


def clean_photo(content: bytes) -> CleanPhoto | None:
    """The photo as it is stored, or None when ``content`` is not an accepted image.

    1. Check it as ``image_content_type`` does (structure, decompression bombs).
    2. Decode the first frame (a complaint photo is a still picture), a large
       JPEG at a reduced scale straight away.
    3. Turn it upright as its EXIF orientation says, and shrink it so its long
       side is at most ``MAX_PHOTO_SIDE`` pixels.
    4. Encode it afresh in its own format from the pixels alone: no EXIF (so
       no GPS, Artist or Copyright), XMP, ICC profile or comment survives, nor
       anything appended after the image's end.
    """
    content_type = image_content_type(content)
    if content_type is None:
        return None
    buffer = io.BytesIO()
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format or ""
            picture = _upright_and_small(image)
        picture.info = {key: picture.info[key] for key in _PIXEL_INFO if key in picture.info}
        picture.save(buffer, image_format, **_SAVE_OPTIONS[image_format])
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None  # passed the structure check, yet its pixels do not decode or encode
    return CleanPhoto(buffer.getvalue(), content_type)


def _upright_and_small(image: Image.Image) -> Image.Image:
    """The first frame, decoded, turned upright and no longer than ``MAX_PHOTO_SIDE``."""
    if max(image.size) > MAX_PHOTO_SIDE:
        # A JPEG decodes at 1/2, 1/4 or 1/8 scale for a fraction of the memory
        # and time; draft keeps it at least as large as asked (other formats
        # ignore it).
        scale = MAX_PHOTO_SIDE / max(image.size)
        image.draft(image.mode, (round(image.width * scale), round(image.height * scale)))
    image.load()
    picture = ImageOps.exif_transpose(image)  # a copy, turned as the EXIF orientation says
    picture.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))  # shrinks only, keeps the ratio
    return picture


def thumbnail_jpeg(content: bytes) -> bytes | None:
    """A small JPEG of a photo (long side ``THUMBNAIL_SIDE``), or None when it does not decode.

    Transparent parts (PNG, GIF) are laid on white, as the pages show them.
    """
    try:
        with Image.open(io.BytesIO(content)) as image:
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    flat = Image.new("RGB", picture.size, (255, 255, 255))
    flat.paste(picture, mask=picture.getchannel("A"))
    buffer = io.BytesIO()
    flat.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


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
    """The photos as attachment rows (not yet stored), checked by their content and
    re-encoded without metadata (``clean_photo``).

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
        clean = clean_photo(photo.content)
        if clean is None:
            errors["photos"] = gettext("Only JPEG, PNG, WebP or GIF photos are accepted.")
            return []
        stored.append(_unsaved(photo.filename, clean.content, clean.content_type))
    return stored


def _unsaved(original_name: str | None, content: bytes, content_type: str) -> Attachment:
    """An attachment row of checked content (not yet in the session)."""
    return Attachment(
        filename=stored_filename(original_name, content_type),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


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


# --- files staff attach to a reply, an internal note or a resolution -------------------------

MAX_FILES = 5


class FileRefused(DomainError):
    """A file staff attached that the office does not take: too large (413) or not a
    photo or a PDF (422). Nothing of the action it came with is applied."""

    code = "file_refused"

    def __init__(self, message: str, *, too_large: bool) -> None:
        super().__init__(message)
        self.http_status = 413 if too_large else 422


def is_pdf(content: bytes) -> bool:
    """A PDF by its content: the header at the start and an end-of-file marker near the end
    (an interrupted upload lacks it)."""
    return content.startswith(b"%PDF-") and b"%%EOF" in content[-2048:]


def validated_files(files: Sequence[NewAttachment]) -> list[Attachment]:
    """Staff's photos and PDFs as attachment rows (not yet stored), or FileRefused.

    Photos go through :func:`clean_photo` as the citizen's do (checked by
    their content, shrunk to ``MAX_PHOTO_SIDE``, re-encoded without
    metadata); a PDF is kept as sent. At most ``MAX_FILES`` of at most
    ``MAX_PHOTO_BYTES`` each.
    """
    if len(files) > MAX_FILES:
        raise FileRefused(
            gettext("At most %(count)d files at once.", count=MAX_FILES), too_large=True
        )
    stored = []
    for upload in files:
        if len(upload.content) > MAX_PHOTO_BYTES:
            raise FileRefused(
                gettext("%(name)s is larger than 10 MB.", name=upload.filename or "—"),
                too_large=True,
            )
        if is_pdf(upload.content):
            content, content_type = upload.content, PDF
        else:
            clean = clean_photo(upload.content)
            if clean is None:
                raise FileRefused(
                    gettext(
                        "%(name)s is not a photo (JPEG, PNG, WebP, GIF) or a PDF.",
                        name=upload.filename or "—",
                    ),
                    too_large=False,
                )
            content, content_type = clean.content, clean.content_type
        stored.append(_unsaved(upload.filename, content, content_type))
    return stored


def attach_to_message(
    complaint: Complaint, message_id: int, files: Sequence[Attachment], *, now: datetime
) -> None:
    """Store ``files`` as the message's (by id: not among the citizen's own photos)."""
    for attachment in files:
        attachment.complaint_id = complaint.id
        attachment.message_id = message_id
        attachment.created_at = now
        db.session.add(attachment)


def message_files(complaint: Complaint) -> dict[int, list[Attachment]]:
    """The files staff attached to the complaint's messages, by message id (one query;
    their bytes stay deferred)."""
    rows = db.session.scalars(
        select(Attachment)
        .where(Attachment.complaint_id == complaint.id, Attachment.message_id.is_not(None))
        .order_by(Attachment.id)
    )
    files: dict[int, list[Attachment]] = {}
    for row in rows:
        files.setdefault(row.message_id or 0, []).append(row)
    return files


def event_message(event: ComplaintEvent) -> int | None:
    """The message an event wrote (a reply, a note, a resolution), when it recorded one."""
    value = (event.data or {}).get("message")
    return value if isinstance(value, int) else None


def resolution_messages(complaint: Complaint) -> list[int]:
    """The messages that carried the complaint's resolutions, oldest first."""
    return [
        message
        for event in complaint.events
        if event.kind == "status"
        and event.to_status == Status.RESOLVED
        and (message := event_message(event)) is not None
    ]


def file_response(attachment: Attachment, *, small: bool = False) -> Response:
    """A stored file as one browser keeps it: a photo inline (``small``: its thumbnail),
    anything else (a PDF) as a download, never rendered in our origin."""
    content, content_type = attachment.content, attachment.content_type
    is_image = content_type.startswith("image/")
    thumbnail = thumbnail_jpeg(content) if is_image and small else None
    if thumbnail is not None:
        content, content_type = thumbnail, "image/jpeg"
    response = Response(content, mimetype=content_type)
    if is_image:
        response.headers["Content-Disposition"] = "inline"
    else:
        response.headers.set("Content-Disposition", "attachment", filename=attachment.filename)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
