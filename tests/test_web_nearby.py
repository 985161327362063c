"""'Sudah ada yang melaporkan?' on the web form, through HTTP as a browser uses it.

The fragment GET /complaints/nearby that static/js/nearby.js shows; without
JavaScript, the form sent back with the nearby reports; "Dukung laporan ini"
(support one, file nothing) and "Tetap kirim laporan baru" (file anyway); the
supporters' count on the tracking and staff pages. SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from channels import sms
from complaints.extensions import db
from complaints.models import Complaint, Supporter
from tests.conftest import Cast, MakeComplaint, csrf_token_from, hidden_value
from tests.staff_helpers import signed_in

PIN = {"lat": "0.5412", "lon": "123.1345"}
# About 100 m north of the pin.
NEAR = {"lat": 0.5412 + 100 / 111_195, "lon": 123.1345}
FORM = {
    "kind": "complaint",
    "category": "road-damage",
    "description": "Jalan di depan masjid berlubang besar, dua motor sudah jatuh.",
    "address": "Desa Tanggilingo, Kabila",
    **PIN,
    "name": "Budi Santoso",
    "phone": "0813 1111 2222",
    "email": "",
}


class Citizen:
    """One browser with the form open: its page, its session, its posts."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.page = client.get("/complaints/new").get_data(as_text=True)

    def post(self, changes: dict[str, Any] | None = None) -> TestResponse:
        data = {
            **FORM,
            "csrf_token": csrf_token_from(self.page),
            "submission_token": hidden_value(self.page, "submission_token"),
            **(changes or {}),
        }
        response = self.client.post("/complaints/new", data=data)
        if response.status_code != 302:
            self.page = response.get_data(as_text=True)
        return response


def complaints() -> int:
    return db.session.scalar(select(func.count(Complaint.id))) or 0


def supporters() -> list[Supporter]:
    return list(db.session.scalars(select(Supporter)))


def test_the_fragment_lists_a_report_nearby_in_words_without_personal_data(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    near = make_complaint(
        status="verified",
        name="Siti Rahmawati",
        phone="081234567890",
        description="Saya Siti (0812 3456 7890): jalan berlubang di depan masjid.",
        **NEAR,
    )
    response = client.get("/complaints/nearby", query_string={"category": "road-damage", **PIN})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sudah ada yang melaporkan?" in html
    assert near.code in html
    assert "± 100 m dari tempat yang Anda pilih" in html
    assert "Diperiksa dan diteruskan ke instansi terkait" in html
    assert "Jalan dan jembatan rusak" in html
    assert "25 Nov 2026 10.00" in html  # received, to the minute
    assert "jalan berlubang di depan masjid" in html
    assert "Siti" not in html and "0812" not in html and "3456" not in html
    assert "verified" not in html and "road-damage" not in html
    assert f'name="support" value="{near.code}"' in html
    assert "Dukung laporan ini" in html and "Tetap kirim laporan baru" in html

    english = client.get(
        "/complaints/nearby", query_string={"category": "road-damage", "lang": "en", **PIN}
    ).get_data(as_text=True)
    assert "Support this report" in english and "Send a new report anyway" in english


def test_the_fragment_is_empty_when_nothing_open_is_near_and_refuses_a_bad_place(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    make_complaint(status="verified", lat=0.56, lon=123.1345)  # 2 km away
    make_complaint(status="received", **NEAR)  # not checked by staff yet
    make_complaint(status="verified", confidential=True, **NEAR)
    make_complaint(status="verified", category_code="waste", **NEAR)
    found = client.get("/complaints/nearby", query_string={"category": "road-damage", **PIN})
    assert found.status_code == 200 and found.get_data(as_text=True).strip() == ""
    for place in ({"lat": "abc", "lon": "1"}, {"lat": "91", "lon": "1"}, {"lat": "nan"}):
        response = client.get(
            "/complaints/nearby", query_string={"category": "road-damage", **place}
        )
        assert response.status_code == 400


def test_without_javascript_a_report_near_an_open_one_comes_back_with_the_list(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    near = make_complaint(status="in_progress", **NEAR)
    before = complaints()
    citizen = Citizen(client)
    response = citizen.post()
    assert response.status_code == 200
    assert complaints() == before
    assert near.code in citizen.page
    assert "Sudah ada yang melaporkan?" in citizen.page
    assert "Dukung laporan ini" in citizen.page and "Tetap kirim laporan baru" in citizen.page
    assert "mengikutinya dengan kode pelacakannya" in citizen.page  # no SMS promised here
    # What the citizen typed is still there.
    assert "dua motor sudah jatuh" in citizen.page and "0813 1111 2222" in citizen.page

    # "Tetap kirim laporan baru" files it.
    filed = citizen.post({"file_anyway": "1"})
    assert filed.status_code == 302 and "/track/ADU-" in filed.headers["Location"]
    assert complaints() == before + 1
    assert supporters() == []


def test_a_report_with_no_open_one_nearby_is_filed_at_once(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    make_complaint(status="verified", lat=0.56, lon=123.1345)
    before = complaints()
    assert Citizen(client).post().status_code == 302
    assert complaints() == before + 1


def test_supporting_records_the_typed_phone_files_nothing_and_shows_the_count(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    near = make_complaint(status="verified", **NEAR)
    before = complaints()
    citizen = Citizen(client)
    citizen.post()
    # Only the contact matters on this path: no topic, no description.
    changes = {"support": near.code, "category": "", "description": ""}
    response = citizen.post(changes)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/track/{near.code}")
    assert complaints() == before
    [supporter] = supporters()
    assert supporter.complaint_id == near.id
    assert supporter.reporter is not None
    assert supporter.reporter.phone == "+6281311112222"
    assert supporter.reporter.name == "Budi Santoso"

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # No SMS channel here: the page promises none, even to a citizen who left a phone.
    assert "Terima kasih. Dukungan Anda tercatat. Ikuti perkembangan" in page
    assert "akan kami kirim lewat SMS" not in page
    assert "1 warga lain juga melaporkan masalah ini." in page
    assert "Budi" not in page and "0813" not in page

    # The same form sent again (a double tap, a reload) counts once.
    again = citizen.post(changes)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/track/{near.code}")
    assert len(supporters()) == 1


def test_with_sms_on_a_supporter_with_a_phone_is_promised_the_progress_by_sms(
    app: Flask, client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    app.config.update(
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="token",
        TWILIO_FROM_NUMBER="+6281100001111",
        TWILIO_API_BASE_URL="http://127.0.0.1:9",  # never called: nothing is sent here
    )
    sms.init_app(app)
    near = make_complaint(status="verified", **NEAR)
    citizen = Citizen(client)
    citizen.post()
    assert "bila Anda mengisi nomor HP di atas, kami kabarkan" in citizen.page
    response = citizen.post({"support": near.code})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "perkembangan laporan ini akan kami kirim lewat SMS" in page


def test_supporting_without_any_contact_is_counted(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    near = make_complaint(status="verified", **NEAR)
    response = Citizen(client).post({"support": near.code, "name": "", "phone": ""})
    assert response.status_code == 302
    [supporter] = supporters()
    assert supporter.reporter is None
    page = client.get(f"/track/{near.code}").get_data(as_text=True)
    assert "1 warga lain juga melaporkan masalah ini." in page
    assert "Ikuti perkembangan laporan ini" in page


def test_a_support_with_a_bad_phone_comes_back_with_the_message(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    near = make_complaint(status="verified", **NEAR)
    citizen = Citizen(client)
    response = citizen.post({"support": near.code, "phone": "12"})
    assert response.status_code == 422
    assert "nomor" in citizen.page.lower()
    assert near.code in citizen.page  # the list is still there to choose again
    assert supporters() == []


def test_a_report_that_is_not_open_and_public_cannot_be_supported(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    private = make_complaint(status="verified", confidential=True, **NEAR)
    unchecked = make_complaint(status="received", **NEAR)
    before = complaints()
    for code in (private.code, unchecked.code, "ADU-0000-0000"):
        citizen = Citizen(client)
        response = citizen.post({"support": code})
        assert response.status_code == 422
        assert "tidak dapat didukung lagi" in citizen.page
        assert private.code not in citizen.page
    assert supporters() == [] and complaints() == before


def test_a_support_without_the_forms_csrf_token_is_refused(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    near = make_complaint(status="verified", **NEAR)
    citizen = Citizen(client)
    response = citizen.post({"support": near.code, "csrf_token": "forged"})
    assert response.status_code == 400  # the app's CSRF protection, before the view
    assert supporters() == []


def test_staff_see_how_many_citizens_support_a_complaint(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    near = make_complaint(status="verified", **NEAR)
    for _ in range(2):
        Citizen(app.test_client()).post({"support": near.code})
    staff = signed_in(app, cast.officer_a.email)
    page = staff.get(f"/staff/complaints/{near.code}").get_data(as_text=True)
    assert re.search(r"Pendukung</dt>\s*<dd>2 warga lain juga melaporkan masalah ini.", page)
