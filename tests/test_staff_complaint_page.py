"""The staff complaint page: one timeline, only the moves allowed now, honest messages.

Through HTTP as officers use it, on both databases: the conversation in time
order with the internal note marked apart; the action panel per status; an
action sent from a page that is out of date is not applied and says who
changed the complaint and when; a reply is called "sent" only when a channel
can carry it; the citizen's SKM answers and comment in words.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from channels.sms.settings import EXTENSION_KEY, TwilioSettings
from complaints import workflow
from complaints.extensions import db
from complaints.ikm import ELEMENT_NAMES
from complaints.models import Complaint, Status
from tests.conftest import Cast, MakeComplaint, unit
from tests.staff_helpers import session_csrf, signed_in

ACTIONS = ("verify", "start", "resolve", "reject", "merge", "assign", "priority", "reply")


def post(client: FlaskClient, complaint: Complaint, action: str, **data: str) -> tuple[int, str]:
    """Send an action; return the status and the page the officer then sees."""
    data = {"csrf_token": session_csrf(client), **data}
    response = client.post(f"/staff/complaints/{complaint.code}/{action}", data=data)
    if response.status_code == 302:
        assert "#" in response.headers["Location"], "the browser would land at the top"
        return 302, client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.get_data(as_text=True)


def entries(page: str) -> list[tuple[str, str]]:
    """The timeline's entries as (style, text without tags), in page order."""
    found = re.findall(r'<li class="entry entry-(\w+)"[^>]*>(.*?)</li>', page, re.S)
    return [(style, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for style, body in found]


def forms_offered(page: str, complaint: Complaint) -> set[str]:
    actions = re.findall(rf'action="/staff/complaints/{complaint.code}/(\w+)"', page)
    return set(actions) & set(ACTIONS)


def test_the_timeline_keeps_the_order_and_marks_the_note(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(phone="0812 1111 2222")
    officer = signed_in(app, cast.officer_a.email)
    pupr = str(unit("PUPR").id)
    post(
        officer,
        complaint,
        "verify",
        unit=pupr,
        category=str(complaint.category_id),
        kind="complaint",
    )
    post(officer, complaint, "assign", assignee=str(cast.officer_a.id))
    post(officer, complaint, "reply", body="Tim kami akan datang hari Kamis.")
    _, page = post(officer, complaint, "note", body="Gunakan anggaran pemeliharaan rutin.")
    timeline = entries(page)
    assert [style for style, _ in timeline] == ["report", "event", "event", "reply", "note"]
    assert "Jalan berlubang" in timeline[0][1]
    assert "Diverifikasi dan diteruskan ke Dinas Pekerjaan Umum" in timeline[1][1]
    # Alice has no name: the local part of her e-mail stands for her.
    assert "Ditugaskan kepada alice" in timeline[2][1] and "@" not in timeline[2][1]
    assert "Catatan internal" in timeline[4][1] and "anggaran" in timeline[4][1]
    assert "Catatan internal" not in timeline[3][1]
    # The reply waits for an SMS channel that is off in the tests: it never leaves.
    assert "SMS: kanal mati, tidak dapat dikirim" in timeline[3][1]
    assert "WITA" in timeline[4][1]


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        ("received", {"verify", "reject", "merge", "assign", "priority", "reply"}),
        ("verified", {"start", "reject", "merge", "assign", "priority", "reply"}),
        ("in_progress", {"resolve", "assign", "priority", "reply"}),
        ("resolved", {"assign", "priority", "reply"}),
        ("closed", set()),
        ("rejected", set()),
        ("merged", set()),
    ],
)
def test_only_the_moves_allowed_now_are_offered(
    app: Flask, cast: Cast, make_complaint: MakeComplaint, status: str, offered: set[str]
) -> None:
    complaint = make_complaint(status=status)
    page = signed_in(app, cast.admin.email).get(f"/staff/complaints/{complaint.code}")
    text = page.get_data(as_text=True)
    assert forms_offered(text, complaint) == offered
    # An internal note can always be written.
    assert f'formaction="/staff/complaints/{complaint.code}/note"' in text
    if "reject" in offered:
        # Destructive, behind a confirmation that needs no JavaScript.
        assert "btn-outline-danger" in text and 'id="reject-confirm"' in text


def test_an_action_from_an_out_of_date_page_is_not_applied(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    seen = str(complaint.version)
    first = signed_in(app, cast.officer_a.email)
    second = signed_in(app, cast.supervisor.email)
    pupr = str(unit("PUPR").id)
    category = str(complaint.category_id)
    status, _ = post(
        first, complaint, "verify", unit=pupr, category=category, kind="complaint", version=seen
    )
    assert status == 302
    status, page = post(second, complaint, "reject", body="Bukan wewenang kami.", version=seen)
    assert status == 409
    assert "Aduan ini baru saja diubah oleh alice pada 25 Nov 2026" in page
    assert "Periksa lagi sebelum bertindak." in page
    db.session.expire_all()
    assert complaint.status == Status.VERIFIED and complaint.rejection_reason is None
    # The page shown is the current one: it offers starting work, with the new version.
    assert forms_offered(page, complaint) >= {"start"}
    assert f'name="version" type="hidden" value="{complaint.version}"' in page
    # A reply typed on the old page is kept in the composer, not lost.
    status, page = post(second, complaint, "reply", body="Segera kami tangani.", version=seen)
    assert status == 409 and ">Segera kami tangani.</textarea>" in page


@pytest.mark.parametrize("channel_on", [False, True])
def test_the_officer_is_told_whether_the_reply_reaches_the_citizen(
    app: Flask,
    cast: Cast,
    make_complaint: MakeComplaint,
    monkeypatch: pytest.MonkeyPatch,
    channel_on: bool,
) -> None:
    if channel_on:
        config = {**app.config, "TWILIO_ACCOUNT_SID": "AC-test", "TWILIO_AUTH_TOKEN": "secret"}
        monkeypatch.setitem(app.extensions, EXTENSION_KEY, TwilioSettings.from_config(config))
    complaint = make_complaint(status="verified", phone="0812 1111 2222")
    officer = signed_in(app, cast.officer_a.email)
    _, page = post(officer, complaint, "reply", body="Tim kami akan datang hari Kamis.")
    sent = "Balasan sudah dikirim ke warga."
    kept = "Balasan disimpan dan tampil di halaman pelacakan; warga tidak dapat dihubungi"
    assert (sent in page, kept in page) == (channel_on, not channel_on)
    reply = next(text for style, text in entries(page) if style == "reply")
    assert ("SMS: menunggu" in reply) is channel_on


def test_a_reply_to_a_citizen_without_contact_is_never_called_sent(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")
    officer = signed_in(app, cast.officer_a.email)
    _, page = post(officer, complaint, "reply", body="Tim kami akan datang hari Kamis.")
    assert "Balasan sudah dikirim ke warga." not in page
    reply = next(text for style, text in entries(page) if style == "reply")
    assert "Tidak dikirim: warga membacanya di halaman pelacakan" in reply


def test_the_citizens_confirmation_and_survey_answers_are_shown(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved")
    answers = dict.fromkeys(ELEMENT_NAMES, 3) | {"conduct": 4, "timeliness": 1}
    workflow.rate_complaint(complaint, answers, "Petugasnya ramah, tapi lama sekali.")
    workflow.confirm_resolution(complaint)
    workflow.commit()
    page = signed_in(app, cast.officer_a.email).get(f"/staff/complaints/{complaint.code}")
    text = " ".join(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)).split())
    assert "Warga menyatakan sudah teratasi." in text
    assert "Perilaku petugas 4 — sangat baik" in text
    assert "Waktu pelayanan 1 — tidak baik" in text
    assert "Persyaratan 3 — baik" in text
    assert "Petugasnya ramah, tapi lama sekali." in text
