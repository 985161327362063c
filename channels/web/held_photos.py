"""Photos sent with the web form, held until the complaint is filed.

On 3G a phone photo takes most of a minute to upload: a form that comes back
with an error ("Choose a category.") must not make the citizen choose and send
it again. Every POST of the form first holds its photos here, checked and
re-encoded as intake does (``validated_photos``), under the form's submission
token; the form page shows them; filing hands them to intake and forgets them;
abandoned ones are purged after a day.

The token is only a key, never a proof: the form page issues it into this
browser's signed session, and only a token found there shows, takes or removes
held photos. Someone who learns another's token gets a fresh one of their own.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime, timedelta

from flask import session
from flask_babel import gettext
from sqlalchemy import delete, select
from sqlalchemy.orm import undefer
from werkzeug.datastructures import FileStorage

from complaints import clock
from complaints.attachments import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    NewAttachment,
    thumbnail_jpeg,
    validated_photos,
)
from complaints.extensions import db
from complaints.models import PendingPhoto

logger = logging.getLogger(__name__)

# How long an abandoned form's photos are kept.
HOLD_FOR = timedelta(hours=24)
PURGE_INTERVAL_SECONDS = 3600
_TOKEN = re.compile(r"[0-9a-f]{32}")
# Session keys: the tokens this browser was given (the last few forms it opened),
# and those of them that hold photos (so a form without photos asks the database nothing).
_ISSUED = "photo_forms"
_HOLDING = "photo_forms_holding"
_REMEMBERED = 8
# The name of the form's "Remove" checkboxes, one per held photo (templates/web/_photos.html).
REMOVE_FIELD = "remove_photo"


def issue() -> str:
    """A new submission token, given to this browser."""
    token = uuid.uuid4().hex
    _remember(_ISSUED, token)
    return token


def owned_token(raw: str | None) -> str:
    """``raw`` if it is a token this browser was given, else a new one given to it."""
    token = (raw or "").strip().lower()
    if _TOKEN.fullmatch(token) and token in session.get(_ISSUED, []):
        return token
    return issue()


def hold(token: str, files: list[FileStorage]) -> str | None:
    """Hold the uploaded photos under ``token``; a message saying why not, or None.

    All or nothing: a photo that is too large or not an image, or more than
    ``MAX_PHOTOS`` with those already held, holds none of them. A photo already
    held (chosen again) is held once.
    """
    uploads = _read_uploads(files)
    if uploads is None:
        return gettext("Each photo may be at most 10 MB.")
    if not uploads:
        return None
    errors: dict[str, str] = {}
    photos = validated_photos(uploads, errors)
    if errors:
        return _too_many() if len(uploads) > MAX_PHOTOS else errors["photos"]
    known = {photo.sha256 for photo in held(token)}
    fresh = []
    for photo in photos:
        if photo.sha256 not in known:
            known.add(photo.sha256)
            fresh.append(photo)
    if len(known) > MAX_PHOTOS:
        return _too_many()
    moment = clock.now()
    for photo in fresh:
        db.session.add(
            PendingPhoto(
                submission_token=token,
                filename=photo.filename,
                content_type=photo.content_type,
                size=photo.size,
                sha256=photo.sha256,
                content=photo.content,
                created_at=moment,
            )
        )
    db.session.commit()
    _remember(_HOLDING, token)
    return None


def _too_many() -> str:
    return gettext(
        "At most %(count)d photos per report. Choose fewer, or remove some of the photos "
        "already kept.",
        count=MAX_PHOTOS,
    )


def _read_uploads(files: list[FileStorage]) -> list[NewAttachment] | None:
    """The uploaded files, or None when one is over the size limit."""
    uploads = []
    for storage in files:
        if not storage or not storage.filename:
            continue  # browsers send an empty part when no file was chosen
        content = storage.stream.read(MAX_PHOTO_BYTES + 1)
        if len(content) > MAX_PHOTO_BYTES:
            return None
        uploads.append(NewAttachment(storage.filename, content, storage.mimetype or ""))
    return uploads


def _holds(token: str) -> bool:
    return token in session.get(_HOLDING, [])


def held(token: str) -> list[PendingPhoto]:
    """The photos held under ``token`` for this browser, oldest first (bytes not loaded)."""
    if not _holds(token):
        return []
    query = select(PendingPhoto).where(PendingPhoto.submission_token == token)
    return list(db.session.scalars(query.order_by(PendingPhoto.id)))


def remove(token: str, photo_ids: list[str]) -> None:
    """Stop holding the photos the citizen ticked "Remove" on."""
    ids = [int(raw) for raw in photo_ids if raw.isdigit()]
    if not ids or not _holds(token):
        return
    db.session.execute(
        delete(PendingPhoto).where(PendingPhoto.submission_token == token, PendingPhoto.id.in_(ids))
    )
    db.session.commit()


def release(token: str) -> list[NewAttachment]:
    """The held photos, for intake (each once, even if two racing posts held it twice)."""
    if not _holds(token):
        return []
    query = (
        select(PendingPhoto)
        .where(PendingPhoto.submission_token == token)
        .options(undefer(PendingPhoto.content))
    )
    photos: dict[str, NewAttachment] = {}
    for row in db.session.scalars(query.order_by(PendingPhoto.id)):
        photos.setdefault(row.sha256, NewAttachment(row.filename, row.content, row.content_type))
    return list(photos.values())


def forget(token: str) -> None:
    """Delete what is held under ``token``: its complaint is filed."""
    if not _holds(token):
        return
    db.session.execute(delete(PendingPhoto).where(PendingPhoto.submission_token == token))
    db.session.commit()
    session[_HOLDING] = [other for other in session.get(_HOLDING, []) if other != token]


def thumbnail(token: str, photo_id: int) -> bytes | None:
    """A small JPEG of a photo held for this browser, or None when it holds no such photo."""
    if not _holds(token):
        return None
    row = db.session.scalar(
        select(PendingPhoto).where(
            PendingPhoto.id == photo_id, PendingPhoto.submission_token == token
        )
    )
    if row is None:
        return None
    return thumbnail_jpeg(row.content)


def purge_abandoned(now: datetime | None = None) -> int:
    """Delete photos held longer than ``HOLD_FOR`` (their form was abandoned); how many."""
    cutoff = (now or clock.now()) - HOLD_FOR
    result = db.session.execute(delete(PendingPhoto).where(PendingPhoto.created_at < cutoff))
    db.session.commit()
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        logger.info("purged %d photos of abandoned web forms", count)
    return count


def _remember(key: str, token: str) -> None:
    tokens = [other for other in session.get(key, []) if other != token]
    session[key] = [*tokens, token][-_REMEMBERED:]
