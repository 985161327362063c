"""The regency's letterhead and usual signer, as printed documents read them.

There is one ``Letterhead`` row (id 1), edited by an admin on
/staff/admin/letterhead. Until an admin saves it, documents use a default
built from ``ADUAN_REGENCY_NAME`` (and ``ADUAN_REGENCY_LOGO`` when it is a PNG
or JPEG) so that a first printout already names the
regency. The logo is stored in the row (the PDF renderer fetches nothing), as
a PNG or JPEG of at most 1 MB made no larger than the print needs.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal, gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from .. import clock
from ..attachments import MAX_PIXELS, has_too_many_pixels
from ..extensions import db
from ..models import Letterhead, User

LETTERHEAD_ID = 1
MAX_LOGO_BYTES = 1024 * 1024
# About 5 cm at 300 dpi: far more than a letterhead's logo needs when printed.
MAX_LOGO_SIDE = 600
_LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
NIP_DIGITS = 18
# What an admin edits, besides the logo (the names of Letterhead's text columns).
TEXT_FIELDS = (
    "government_name",
    "office_name",
    "address",
    "phone",
    "email",
    "website",
    "signer_name",
    "signer_nip",
    "signer_position",
    "place",
    "number_code",
)


def default_letterhead() -> Letterhead:
    """An unsaved letterhead naming the configured regency, with its logo when usable."""
    regency = current_app.config["REGENCY_NAME"]
    place = regency
    for prefix in ("Kabupaten ", "Kota "):
        if place.startswith(prefix):
            place = place.removeprefix(prefix)
    logo = _configured_logo()
    return Letterhead(
        id=LETTERHEAD_ID,
        government_name=f"PEMERINTAH {regency.upper()}",
        office_name="",
        address="",
        phone="",
        email="",
        website="",
        logo=logo.content if logo else None,
        logo_content_type=logo.content_type if logo else None,
        signer_name="",
        signer_nip="",
        signer_position="",
        place=place,
        number_code="ADUAN",
    )


def _configured_logo() -> Logo | None:
    """The site's logo (ADUAN_REGENCY_LOGO) when it is a usable PNG or JPEG file."""
    path = current_app.config.get("REGENCY_LOGO")
    if not path:
        return None
    try:
        return clean_logo(Path(path).read_bytes())
    except (OSError, LogoRefused):
        return None  # an SVG or a missing file: the default has no logo


def current_letterhead() -> Letterhead:
    """The saved letterhead, or an unsaved default when none was saved yet.

    The default is not added to the session: reading it never writes.
    """
    saved = db.session.get(Letterhead, LETTERHEAD_ID)
    return saved if saved is not None else default_letterhead()


def logo_data_uri(letterhead: Letterhead) -> str | None:
    """The logo as a ``data:`` URI for the offline PDF renderer, or None without a logo."""
    if not letterhead.logo or not letterhead.logo_content_type:
        return None
    encoded = base64.b64encode(letterhead.logo).decode("ascii")
    return f"data:{letterhead.logo_content_type};base64,{encoded}"


class LogoRefused(ValueError):
    """An uploaded logo that cannot be used; the message says why, in the reader's language."""


@dataclass(frozen=True)
class Logo:
    content: bytes
    content_type: str


def clean_logo(content: bytes) -> Logo:
    """The logo as stored: a PNG or JPEG of at most 1 MB, re-encoded, long side <= 600 px.

    Raises LogoRefused for a bigger file, another format, a picture declaring
    more pixels than ``attachments.MAX_PIXELS`` (checked before decoding: a
    decompression bomb) or one that does not decode. Re-encoding from the
    pixels drops EXIF and anything else the file carried.
    """
    if len(content) > MAX_LOGO_BYTES:
        raise LogoRefused(
            gettext(
                "The logo file is %(size)s; at most 1 MB is accepted. Save it smaller "
                "(for example at 600 pixels wide) and upload it again.",
                size=_megabytes(len(content)),
            )
        )
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format or ""
            if kind not in _LOGO_FORMATS:
                raise LogoRefused(gettext("The logo must be a PNG or JPEG picture."))
            if has_too_many_pixels(image):
                raise _too_many_pixels()
            image.load()
            picture = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None  # Pillow's own refusal, at twice our limit
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise LogoRefused(gettext("The logo must be a PNG or JPEG picture.")) from None
    picture.thumbnail((MAX_LOGO_SIDE, MAX_LOGO_SIDE))  # shrinks only, keeps the ratio
    buffer = io.BytesIO()
    if kind == "JPEG":
        picture.convert("RGB").save(buffer, "JPEG", quality=90)
    else:
        picture.save(buffer, "PNG", optimize=True)
    return Logo(buffer.getvalue(), _LOGO_FORMATS[kind])


def _too_many_pixels() -> LogoRefused:
    return LogoRefused(
        gettext(
            "The logo has more pixels than can be opened safely (at most %(limit)s million). "
            "Save it smaller (for example at 600 pixels wide) and upload it again.",
            limit=format_decimal(MAX_PIXELS // 1_000_000),
        )
    )


def _megabytes(size: int) -> str:
    return format_decimal(size / (1024 * 1024), format="#,##0.0") + " MB"


def nip_problem(nip: str) -> str | None:
    """Why ``nip`` is not a civil servant's NIP (18 digits, from a birth date), or None.

    Spaces are allowed (NIPs are often written in groups) and ignored.
    """
    digits = "".join(nip.split())
    if not digits.isdigit():
        return gettext("An NIP is written in digits only (18 of them), without dots or letters.")
    if len(digits) != NIP_DIGITS:
        return gettext("An NIP has 18 digits; this one has %(count)d.", count=len(digits))
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return gettext(
            "An NIP begins with the date of birth (year, month, day); %(start)s is no date.",
            start=digits[:8],
        )
    return None


def format_nip(nip: str) -> str:
    """An NIP as printed, in its parts: "19800101 200501 1 001"."""
    digits = "".join(nip.split())
    if len(digits) != NIP_DIGITS or not digits.isdigit():
        return digits
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


def save_letterhead(
    values: dict[str, str], logo: Logo | None, remove_logo: bool, editor: User
) -> Letterhead:
    """Store the letterhead (creating row 1 the first time); not committed.

    ``values``: the text fields by name (see TEXT_FIELDS), already checked.
    A new ``logo`` replaces the old; ``remove_logo`` leaves none.
    """
    letterhead = db.session.get(Letterhead, LETTERHEAD_ID)
    if letterhead is None:
        letterhead = default_letterhead()
        db.session.add(letterhead)
    for name in TEXT_FIELDS:
        setattr(letterhead, name, values.get(name, "").strip())
    letterhead.signer_nip = "".join(letterhead.signer_nip.split())
    if logo is not None:
        letterhead.logo, letterhead.logo_content_type = logo.content, logo.content_type
    elif remove_logo:
        letterhead.logo, letterhead.logo_content_type = None, None
    letterhead.updated_at = clock.now()
    letterhead.updated_by_user_id = editor.id
    return letterhead
