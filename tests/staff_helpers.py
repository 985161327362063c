"""Signing in staff through the real login form."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints.extensions import db
from tests.conftest import STAFF_PASSWORD, csrf_token_from


def signed_in(app: Flask, email: str, password: str = STAFF_PASSWORD) -> FlaskClient:
    client = app.test_client()
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    response = client.post(
        "/staff/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def session_csrf(client: FlaskClient) -> str:
    return csrf_token_from(client.get("/staff/password").get_data(as_text=True))


def act_on_complaint_page(client: FlaskClient, code: str, action: str, **data: str) -> str:
    """Send one of the staff complaint page's forms as a browser would; return the page after.

    The page is opened first: it must offer the action's form, and the form's
    CSRF token and the complaint's version seen there go with the post.
    """
    page = client.get(f"/staff/complaints/{code}").get_data(as_text=True)
    assert f'"/staff/complaints/{code}/{action}"' in page, f"the page offers no {action} form"
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    fields = {"csrf_token": csrf_token_from(page), **data}
    if version is not None:
        fields["version"] = version.group(1)
    response = client.post(f"/staff/complaints/{code}/{action}", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    after = client.get(response.headers["Location"])
    assert after.status_code == 200
    return after.get_data(as_text=True)


# What staff write in the end-to-end channel tests: a public reply, and an
# internal note whose word "anggaran" must never reach the citizen.
STAFF_REPLY = "Tim PUPR akan menambal lubang itu hari Kamis."
INTERNAL_NOTE = "Pakai anggaran pemeliharaan rutin."
NOTE_WORD = "anggaran"


def reply_and_note_as_staff(app: Flask, cast: Any, code: str) -> None:
    """An admin verifies ``code`` to PUPR; an officer of PUPR replies and writes a note.

    All through the complaint page's forms, as people would.
    """
    from complaints.models import Complaint
    from tests.conftest import unit

    complaint = db.session.scalar(select(Complaint).where(Complaint.code == code))
    assert complaint is not None
    category_id = str(complaint.category_id)
    admin = signed_in(app, cast.admin.email)
    pupr = str(unit("PUPR").id)
    act_on_complaint_page(admin, code, "verify", unit=pupr, category=category_id, kind="complaint")
    officer = signed_in(app, cast.officer_a.email)  # an officer of the unit it went to
    page = act_on_complaint_page(officer, code, "reply", body=STAFF_REPLY)
    assert "Balasan sudah dikirim ke warga." in page
    act_on_complaint_page(officer, code, "note", body=INTERNAL_NOTE)


def assert_reply_sent_and_note_kept(transport: str, address: str) -> None:
    """The reply's outbox row went out through ``transport`` to ``address``; no row holds
    the note."""
    from complaints.models import OutboundMessage

    db.session.expire_all()
    reply = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.body.contains(STAFF_REPLY))
    ).one()
    assert (reply.transport, reply.status, reply.address) == (transport, "sent", address)
    assert not db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.body.contains(NOTE_WORD))
    ).all()
