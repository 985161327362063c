"""The tracking page a person understands, and "is it resolved?" with the survey in one submit.

Times to the minute with WITA, what happens next and by when in plain words,
how updates will arrive (only by a channel that is on), the reporter's own
photos (to the reporter only), and one form that confirms or reopens and
rates at once, while ``/confirm`` and ``/rate`` keep their contract fields.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from channels import sms
from complaints.attachments import NewAttachment
from complaints.extensions import db
from complaints.i18n import local_time
from complaints.models import SurveyResponse
from tests.conftest import MakeComplaint, csrf_token_from, open_as_reporter, visible_text
from tests.photo_helpers import photo_with_metadata

SURVEY = {
    "requirements": "4",
    "procedure": "3",
    "timeliness": "3",
    "cost": "4",
    "product": "4",
    "competence": "4",
    "conduct": "4",
    "facilities": "2",
    "complaint_handling": "4",
}
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def page(client: FlaskClient, code: str, lang: str = "id") -> str:
    response = client.get(f"/track/{code}?lang={lang}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def answer(client: FlaskClient, code: str, data: dict[str, str]) -> str:
    """As the reporter, send the tracking page's one form; the page it leads back to."""
    open_as_reporter(client, code)
    token = csrf_token_from(page(client, code))
    response = client.post(f"/track/{code}/confirm", data={**data, "csrf_token": token})
    assert response.status_code == 302
    return visible_text(client.get(response.headers["Location"]).get_data(as_text=True))


def survey_rows() -> list[SurveyResponse]:
    db.session.expire_all()
    return list(db.session.scalars(select(SurveyResponse)))


def test_local_time_reads_to_the_minute_with_the_zone(app: Flask) -> None:
    moment = datetime(2026, 12, 9, 8, 0, 30, tzinfo=UTC)
    with app.test_request_context("/?lang=id"):
        assert local_time(moment) == "9 Des 2026 16.00 WITA"
        assert local_time(moment, "short") == "09/12/26 16.00 WITA"
    with app.test_request_context("/?lang=en"):
        assert local_time(moment) == "Dec 9, 2026 4:00\u202fPM WITA"
    app.config.update(ADUAN_TIMEZONE="Asia/Jakarta", BABEL_DEFAULT_TIMEZONE="Asia/Jakarta")
    with app.test_request_context("/?lang=id"):
        assert local_time(moment) == "9 Des 2026 15.00 WIB"


def test_one_submit_confirms_and_stores_the_survey(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved")
    shown = answer(client, complaint.code, {"decision": "confirm", **SURVEY, "comment": "Cepat"})
    rows = survey_rows()
    assert complaint.status == "closed" and complaint.citizen_confirmed is True
    assert len(rows) == 1 and rows[0].complaint_id == complaint.id
    assert (rows[0].procedure, rows[0].facilities, rows[0].comment) == (3, 2, "Cepat")
    assert complaint.satisfaction is not None
    assert (
        "Laporan Anda kini dinyatakan selesai" in shown
        and "Terima kasih telah mengisi survei" in shown
    )
    assert "Laporan ini sudah selesai dan ditutup." in shown


def test_no_without_a_reason_changes_nothing_and_says_what_is_missing(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved")
    shown = answer(client, complaint.code, {"decision": "reopen", "reason": " ", **SURVEY})
    db.session.expire_all()
    assert complaint.status == "resolved" and complaint.reopened_count == 0
    assert survey_rows() == []
    assert "Mohon beri tahu kami apa yang masih bermasalah." in shown


def test_no_with_a_reason_reopens_and_ignores_the_survey(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved")
    answer(client, complaint.code, {"decision": "reopen", "reason": "Masih bocor", **SURVEY})
    db.session.expire_all()
    assert complaint.status == "in_progress" and complaint.reopened_count == 1
    assert survey_rows() == [] and complaint.satisfaction is None


def test_the_survey_alone_still_rates_a_report_the_sweep_closed(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="closed")
    open_as_reporter(client, complaint.code)
    html = page(client, complaint.code)
    assert f'action="/track/{complaint.code}/rate"' in html
    assert f'action="/track/{complaint.code}/confirm"' not in html
    response = client.post(
        f"/track/{complaint.code}/rate", data={**SURVEY, "csrf_token": csrf_token_from(html)}
    )
    assert response.status_code == 302
    assert len(survey_rows()) == 1


def test_a_stranger_cannot_answer_with_the_survey(
    app: Flask, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved")
    stranger = app.test_client()
    # The stranger's own session token (from the complaint form): only the key is missing.
    token = csrf_token_from(stranger.get("/complaints/new").get_data(as_text=True))
    response = stranger.post(
        f"/track/{complaint.code}/confirm",
        data={"decision": "confirm", **SURVEY, "csrf_token": token},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert complaint.status == "resolved" and survey_rows() == []


def test_times_read_with_wita_and_no_instant_is_shown(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="in_progress")
    for lang in ("id", "en"):
        shown = visible_text(page(client, complaint.code, lang))
        assert "WITA" in shown
        assert not ISO_INSTANT.search(shown), ISO_INSTANT.search(shown)
        assert "in_progress" not in shown and "road-damage" not in shown
    # DEFAULT_NOW is Wednesday 25 November 2026, 10:00 WITA.
    assert "25 Nov 2026 10.00 WITA" in visible_text(page(client, complaint.code))


def test_the_code_stays_on_one_line(client: FlaskClient, make_complaint: MakeComplaint) -> None:
    code = make_complaint().code
    assert f'<span class="code-line">{code}</span>' in page(client, code)


def test_what_happens_next_is_said_per_status_with_its_deadline(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    received = make_complaint()
    shown = visible_text(page(client, received.code))
    assert "Petugas akan memeriksa laporan Anda paling lambat" in shown
    assert local_time(received.verify_due_at) in shown

    handled = make_complaint(status="in_progress")
    shown = visible_text(page(client, handled.code))
    target = local_time(handled.resolve_due_at)
    assert (
        f"Dinas Pekerjaan Umum dan Penataan Ruang sedang menanganinya; target selesai {target}"
        in shown
    )
    english = visible_text(page(client, handled.code, "en"))
    assert "is handling it; target for completion:" in english

    resolved = make_complaint(status="resolved")
    open_as_reporter(client, resolved.code)
    shown = visible_text(page(client, resolved.code))
    assert resolved.confirm_due_at is not None
    assert f"Mohon konfirmasi di bawah sebelum {local_time(resolved.confirm_due_at)}" in shown
    assert "setelah itu laporan ditutup otomatis" in shown

    closed = make_complaint(status="closed")
    assert "Laporan ini sudah selesai dan ditutup." in visible_text(page(client, closed.code))


def test_the_reply_and_resolution_stand_above_the_one_form(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved")
    open_as_reporter(client, complaint.code)
    html = page(client, complaint.code)
    assert html.index("Sudah diperbaiki.") < html.index('id="answer-form"')
    form = html[html.index('id="answer-form"') :]
    # One form: the decision, the reason and the nine questions, one submit button.
    assert form.count("<form") == 0 and form.count('type="submit"') == 1
    assert 'name="decision"' in form and 'name="reason"' in form
    assert all(f'name="{name}"' in form for name in SURVEY)
    assert "Lewati pertanyaan yang tidak berlaku bagi Anda" in form
    assert form.count('value="na"') == len(SURVEY)


def test_without_sms_the_reporter_is_told_to_keep_the_code(
    app: Flask, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(phone="0812 3456 7890")
    client = app.test_client()
    open_as_reporter(client, complaint.code)
    shown = visible_text(page(client, complaint.code))
    assert "SMS" not in shown
    assert "Simpan kode pelacakan Anda dan cek halaman ini" in shown


def test_with_sms_on_the_reporter_who_gave_a_phone_is_told_of_sms(
    app: Flask, make_complaint: MakeComplaint
) -> None:
    app.config.update(
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="token",
        TWILIO_FROM_NUMBER="+6281100002222",
        TWILIO_API_BASE_URL="http://127.0.0.1:9",  # never called: nothing is sent
    )
    sms.init_app(app)
    with_phone = make_complaint(phone="0812 3456 7890")
    without = make_complaint()
    client = app.test_client()
    open_as_reporter(client, with_phone.code)
    open_as_reporter(client, without.code)
    shown = visible_text(page(client, with_phone.code))
    # The number masked: the page is open to anyone holding the code.
    assert "Kabar terbaru kami kirim lewat SMS ke 0812****890." in shown
    assert "3456" not in shown and "7890" not in shown
    assert "Simpan kode pelacakan Anda" in visible_text(page(client, without.code))
    # Someone else holding the code is not told how the reporter is reached.
    stranger = visible_text(page(app.test_client(), with_phone.code))
    assert "SMS" not in stranger and "Simpan kode pelacakan Anda" in stranger


def a_photo() -> NewAttachment:
    return NewAttachment("jalan.jpg", photo_with_metadata(size=(800, 600)), "image/jpeg")


def test_the_reporter_sees_their_photos_and_nobody_else_does(
    app: Flask, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(photos=[a_photo()])
    [photo] = complaint.attachments
    url = f"/track/{complaint.code}/photos/{photo.id}"

    reporter = app.test_client()
    open_as_reporter(reporter, complaint.code)
    html = page(reporter, complaint.code)
    assert f'src="{url}?size=small"' in html and "Foto Anda" in html
    full = reporter.get(url)
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert "private" in full.headers["Cache-Control"]
    small = reporter.get(f"{url}?size=small")
    assert small.status_code == 200
    with Image.open(io.BytesIO(small.data)) as thumbnail:
        assert max(thumbnail.size) <= 320
    assert len(small.data) < len(full.data)

    stranger = app.test_client()
    other = page(stranger, complaint.code)
    assert "/photos/" not in other and "Foto Anda" not in other
    assert stranger.get(url).status_code == 403
    assert stranger.get(f"{url}?size=small").status_code == 403


def test_a_photo_of_another_complaint_is_not_served_under_this_code(
    app: Flask, make_complaint: MakeComplaint
) -> None:
    mine = make_complaint()
    theirs = make_complaint(photos=[a_photo()])
    [photo] = theirs.attachments
    reporter = app.test_client()
    open_as_reporter(reporter, mine.code)
    assert reporter.get(f"/track/{mine.code}/photos/{photo.id}").status_code == 404
