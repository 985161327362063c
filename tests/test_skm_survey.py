"""The SKM survey with skippable questions and the optional respondent profile (issue 18).

A question the citizen skips ("Tidak berlaku / tidak menjawab", or left blank)
is stored as NULL; each element's mean is over those who answered it, and the
IKM is Σ NRR × 1/9 × 25 over the nine. A confirmation without any answer
closes the report and stores no survey.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import SurveyResponse
from tests.api_helpers import bearer
from tests.conftest import Cast, MakeComplaint, csrf_token_from, open_as_reporter
from tests.staff_helpers import signed_in

ALL_ANSWERED = {
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
# Every question answered 3, except cost ("does not apply") and facilities (left blank).
TWO_SKIPPED = {**dict.fromkeys(ALL_ANSWERED, "3"), "cost": "na", "facilities": ""}
PROFILE = {"respondent_sex": "female", "respondent_age": "30_39", "respondent_education": ""}


def confirm(client: FlaskClient, code: str, data: dict[str, str]) -> str:
    """As the reporter, send "yes, resolved" with ``data``; the page it leads back to."""
    open_as_reporter(client, code)
    token = csrf_token_from(client.get(f"/track/{code}?lang=id").get_data(as_text=True))
    response = client.post(
        f"/track/{code}/confirm", data={"decision": "confirm", **data, "csrf_token": token}
    )
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def responses() -> list[SurveyResponse]:
    db.session.expire_all()
    return list(db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))


def test_skipped_questions_are_stored_as_null_and_the_ikm_is_over_the_answered_ones(
    app: Flask, client: FlaskClient, cast: Cast, make_complaint: MakeComplaint
) -> None:
    first, second = make_complaint(status="resolved"), make_complaint(status="resolved")
    confirm(client, first.code, ALL_ANSWERED)
    confirm(app.test_client(), second.code, {**TWO_SKIPPED, **PROFILE})
    stored = responses()
    assert len(stored) == 2 and first.status == second.status == "closed"
    skipped = stored[1]
    assert (skipped.cost, skipped.facilities, skipped.procedure) == (None, None, 3)
    assert (skipped.respondent_sex, skipped.respondent_age) == ("female", "30_39")
    assert (skipped.respondent_education, skipped.respondent_occupation) == (None, None)

    report = client.get(
        "/api/v1/metrics?from=2026-01-01&to=2026-12-31", headers=bearer(cast.supervisor)
    ).get_json()
    # NRR per element over its answers: requirements (4+3)/2 = 3.5, procedure 3,
    # time 3, cost 4/1 = 4, product 3.5, competence 3.5, conduct 3.5,
    # facilities 2/1 = 2, complaint handling 3.5 → Σ 29.5 × 1/9 × 25 = 81.94 (B).
    ikm = report["ikm"]
    assert (ikm["value"], ikm["grade"], ikm["respondents"]) == (81.94, "B", 2)
    assert (ikm["answers"]["cost"], ikm["answers"]["facilities"], ikm["answers"]["conduct"]) == (
        1,
        1,
        2,
    )
    assert (ikm["elements"]["cost"], ikm["elements"]["facilities"]) == (4.0, 2.0)


def test_a_confirmation_without_answers_closes_the_report_and_stores_no_survey(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    blank, not_applicable = make_complaint(status="resolved"), make_complaint(status="resolved")
    shown = confirm(client, blank.code, {})
    confirm(client, not_applicable.code, dict.fromkeys(ALL_ANSWERED, "na"))
    assert responses() == []
    assert blank.status == not_applicable.status == "closed"
    assert blank.citizen_confirmed is True and blank.satisfaction is None
    assert "Laporan Anda kini dinyatakan selesai" in shown
    # The survey stays open to the reporter, on its own.
    assert f'action="/track/{blank.code}/rate"' in shown


def test_the_staff_page_says_a_skipped_answer_was_not_given_and_shows_the_profile(
    app: Flask, client: FlaskClient, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved")
    confirm(
        client, complaint.code, {**TWO_SKIPPED, **PROFILE, "respondent_occupation": "farmer_fisher"}
    )
    page = signed_in(app, cast.officer_a.email).get(f"/staff/complaints/{complaint.code}")
    text = " ".join(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)).split())
    assert "Biaya/tarif Tidak dijawab" in text and "Prosedur 3 — baik" in text
    assert "Jenis kelamin Perempuan" in text and "Kelompok usia 30–39 tahun" in text
    assert "Pendidikan terakhir Tidak diisi" in text and "Pekerjaan Petani/nelayan" in text
    assert "female" not in text and "30_39" not in text
