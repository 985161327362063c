"""Letterhead and signer settings (issue 19 item 5): the admin page and what documents read."""

from __future__ import annotations

import base64

from flask import Flask

from complaints.assessment.letterhead import current_letterhead, logo_data_uri
from complaints.extensions import db
from complaints.models import Letterhead


def test_documents_read_a_default_naming_the_regency_until_an_admin_saves_one(
    app_ctx: Flask,
) -> None:
    letterhead = current_letterhead()

    assert letterhead.government_name == "PEMERINTAH KABUPATEN BONE BOLANGO"
    assert letterhead.place == "Bone Bolango"
    assert letterhead.number_code == "ADUAN"
    assert logo_data_uri(letterhead) is None
    assert db.session.get(Letterhead, 1) is None  # reading the default writes nothing


def test_a_saved_logo_is_handed_to_the_printer_as_a_data_uri(app_ctx: Flask) -> None:
    db.session.add(Letterhead(id=1, logo=b"\x89PNG fake", logo_content_type="image/png"))
    db.session.commit()

    uri = logo_data_uri(current_letterhead())

    assert uri == "data:image/png;base64," + base64.b64encode(b"\x89PNG fake").decode()
