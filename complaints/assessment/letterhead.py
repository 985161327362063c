"""The regency's letterhead and usual signer, as printed documents read them.

There is one ``Letterhead`` row (id 1), edited by an admin on
/staff/admin/letterhead. Until an admin saves it, documents use a default
built from ``ADUAN_REGENCY_NAME`` so that a first printout already names the
regency.
"""

from __future__ import annotations

import base64

from flask import current_app

from ..extensions import db
from ..models import Letterhead

LETTERHEAD_ID = 1


def default_letterhead() -> Letterhead:
    """An unsaved letterhead naming the configured regency, nothing more."""
    regency = current_app.config["REGENCY_NAME"]
    place = regency
    for prefix in ("Kabupaten ", "Kota "):
        if place.startswith(prefix):
            place = place.removeprefix(prefix)
    return Letterhead(
        id=LETTERHEAD_ID,
        government_name=f"PEMERINTAH {regency.upper()}",
        office_name="",
        address="",
        phone="",
        email="",
        website="",
        logo=None,
        logo_content_type=None,
        signer_name="",
        signer_nip="",
        signer_position="",
        place=place,
        number_code="ADUAN",
    )


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
