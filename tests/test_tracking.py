"""The citizen tracking page: status, replies, history; confirm, reopen, rate; no personal data."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import workflow
from complaints.extensions import db
from complaints.models import ComplaintEvent, SurveyResponse
from complaints.workflow import Actor
from tests.conftest import MakeComplaint, csrf_token_from, open_as_reporter

PERSONAL = {
    "name": "Siti Rahmawati",
    "phone": "0812 3456 7890",
    "email": "siti.rahma@example.com",
}


def page(client: FlaskClient, code: str) -> str:
    response = client.get(f"/track/{code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_shows_status_replies_and_history_without_personal_data(
    client, make_complaint: MakeComplaint, cast
) -> None:
    complaint = make_complaint(
        status="in_progress",
        description=(
            "Saya Siti Rahmawati, hubungi saya di 0812 3456 7890 atau siti.rahma@example.com. "
            "NIK 7503012345678901. Jalan di depan rumah saya rusak."
        ),
        **PERSONAL,
    )
    officer = Actor.staff(cast.officer_a)
    workflow.reply_to_citizen(complaint, officer, "Tim akan memeriksa lokasi hari Kamis.")
    workflow.add_internal_note(complaint, officer, "Kontraktor lama bermasalah, jangan dipakai.")
    workflow.commit()

    html = page(client, complaint.code)
    assert "Sedang ditangani" in html
    assert "Tim akan memeriksa lokasi hari Kamis." in html
    assert "Jalan di depan rumah saya rusak." in html
    for secret in (
        "Siti",
        "Rahmawati",
        "0812",
        "3456",
        "+6281234567890",
        "siti.rahma",
        "example.com",
        "7503012345678901",
        "Kontraktor lama",
        cast.officer_a.email,
    ):
        assert secret not in html, secret


def test_the_citizen_sees_the_privacy_choices_they_made(
    client, make_complaint: MakeComplaint
) -> None:
    both = page(client, make_complaint(anonymous=True, confidential=True).code)
    assert "Privasi Anda" in both
    assert "Anonim: petugas yang menangani tidak melihat nama" in both
    assert "Rahasia: laporan ini tidak pernah ditampilkan di halaman publik" in both
    only_confidential = page(client, make_complaint(confidential=True).code)
    assert "Rahasia:" in only_confidential and "Anonim:" not in only_confidential
    assert "Privasi Anda" not in page(client, make_complaint().code)


def test_codes_are_found_whatever_their_case(client, make_complaint: MakeComplaint) -> None:
    complaint = make_complaint()
    response = client.get(f"/track/{complaint.code.lower()}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/track/{complaint.code}")
    lookup = client.get(f"/track?code={complaint.code.lower().replace('-', ' ')}")
    assert lookup.headers["Location"].endswith(f"/track/{complaint.code}")


def test_an_unknown_code_gets_a_friendly_404(client, app_ctx) -> None:
    response = client.get("/track/ADU-0000-0000")
    assert response.status_code == 404
    assert "ADU-0000-0000" in response.get_data(as_text=True)
    assert client.get("/track/%3Cscript%3E").status_code == 404


def post_form(client: FlaskClient, code: str, action: str, data: dict) -> str:
    open_as_reporter(client, code)
    token = csrf_token_from(page(client, code))
    response = client.post(f"/track/{code}/{action}", data={**data, "csrf_token": token})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_citizen_confirms_a_resolution_and_it_closes(
    client, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved")
    html = post_form(client, complaint.code, "confirm", {"decision": "confirm"})
    db.session.expire_all()
    assert complaint.status == "closed" and complaint.citizen_confirmed is True
    assert complaint.events[-1].actor_label == "citizen"
    assert "Selesai" in html


def test_the_citizen_reopens_with_a_reason(client, make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="resolved")
    post_form(
        client, complaint.code, "confirm", {"decision": "reopen", "reason": "Masih berlubang"}
    )
    db.session.expire_all()
    assert complaint.status == "in_progress" and complaint.reopened_count == 1
    last = db.session.scalars(select(ComplaintEvent).order_by(ComplaintEvent.id.desc())).first()
    assert last is not None and last.note == "Masih berlubang"


def test_reopening_without_a_reason_changes_nothing(client, make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="resolved")
    html = post_form(client, complaint.code, "confirm", {"decision": "reopen", "reason": ""})
    db.session.expire_all()
    assert complaint.status == "resolved"
    assert "notice-danger" in html


def test_confirming_before_resolution_is_refused(client, make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="verified")
    resolved = make_complaint(status="resolved").code
    open_as_reporter(client, resolved)
    open_as_reporter(client, complaint.code)
    token = csrf_token_from(page(client, resolved))
    response = client.post(
        f"/track/{complaint.code}/confirm", data={"decision": "confirm", "csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert complaint.status == "verified"


SURVEY = {
    "requirements": "4",
    "procedure": "4",
    "timeliness": "3",
    "cost": "4",
    "product": "3",
    "competence": "4",
    "conduct": "4",
    "facilities": "3",
    "complaint_handling": "4",
}


def test_the_citizen_answers_the_survey_once(client, make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="closed")
    html = post_form(client, complaint.code, "rate", {**SURVEY, "comment": "Cepat"})
    db.session.expire_all()
    response = db.session.scalar(select(SurveyResponse))
    assert response is not None and response.complaint_id == complaint.id
    assert (response.timeliness, response.conduct, response.comment) == (3, 4, "Cepat")
    # mean 33/9 on 1–4 is 1 + (33/9 - 1) * 4/3 = 4.56 on 1–5
    assert complaint.satisfaction == 5 and complaint.satisfaction_comment == "Cepat"
    assert 'name="timeliness"' not in html
    other = make_complaint(status="resolved").code
    open_as_reporter(client, other)
    token = csrf_token_from(page(client, other))
    client.post(f"/track/{complaint.code}/rate", data={**SURVEY, "cost": "1", "csrf_token": token})
    db.session.expire_all()
    assert db.session.scalars(select(SurveyResponse)).all() == [response]
    assert response.cost == 4


def test_a_survey_with_no_answer_or_a_wrong_one_is_refused(
    client, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved")
    nothing = dict.fromkeys(SURVEY, "na")
    for data in (nothing, {**SURVEY, "facilities": "5"}):
        html = post_form(client, complaint.code, "rate", data)
        db.session.expire_all()
        assert db.session.scalar(select(SurveyResponse)) is None
        assert "notice-danger" in html and complaint.satisfaction is None


def test_confirm_without_csrf_is_rejected(client, make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="resolved")
    response = client.post(f"/track/{complaint.code}/confirm", data={"decision": "confirm"})
    assert response.status_code == 400
    db.session.expire_all()
    assert complaint.status == "resolved"


def test_a_reply_naming_the_citizen_by_first_name_does_not_reveal_it(
    client, make_complaint: MakeComplaint, cast
) -> None:
    complaint = make_complaint(status="verified", name="Siti Rahmawati")
    workflow.reply_to_citizen(complaint, Actor.staff(cast.officer_a), "Bu Siti, kami sudah cek.")
    workflow.commit()
    html = page(client, complaint.code)
    assert "kami sudah cek" in html and "Siti" not in html


def test_the_page_hides_contacts_written_to_slip_past_redaction_and_keeps_other_numbers(
    client, make_complaint: MakeComplaint, cast
) -> None:
    complaint = make_complaint(
        status="in_progress",
        description=(
            "Lampu jalan di RT 003/RW 005 mati sejak 12-05-2026. Hubungi siti (at) example "
            "(dot) com atau nol delapan satu dua tiga empat lima enam tujuh delapan sembilan, "
            "WA (0812) 345-6789."
        ),
    )
    workflow.reply_to_citizen(
        complaint,
        Actor.staff(cast.officer_a),
        "Teknisi akan menelepon 62812 9876 5432; biaya Rp 1.500.000 ditanggung desa.",
    )
    workflow.commit()

    html = page(client, complaint.code)
    for secret in ("siti (at)", "example (dot)", "delapan satu dua", "0812", "345-6789", "9876"):
        assert secret not in html, secret
    for kept in ("RT 003/RW 005", "12-05-2026", "Rp 1.500.000 ditanggung desa"):
        assert kept in html, kept
