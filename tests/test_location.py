"""Where the problem is, the ways people give it: kecamatan and desa from the regency's list.

Through HTTP, as a browser without JavaScript sends the form. The map and
"Use my location" are driven in tests/test_browser_location.py.
"""

from __future__ import annotations

import json
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from complaints import districts
from complaints.extensions import db
from complaints.models import Complaint
from tests.conftest import Cast, MakeComplaint, csrf_token_from, hidden_value
from tests.staff_helpers import signed_in

REPORT = {
    "kind": "complaint",
    "category": "road-damage",
    "description": "Jembatan kayu di dekat masjid desa sudah lapuk dan bergoyang.",
    "address": "Dekat masjid, jalan ke air terjun",
}


def send_form(client: FlaskClient, lang: str | None = None, **changes: str):
    html = client.get("/complaints/new" + (f"?lang={lang}" if lang else "")).get_data(as_text=True)
    data = {
        **REPORT,
        "csrf_token": csrf_token_from(html),
        "submission_token": hidden_value(html, "submission_token"),
        **changes,
    }
    return client.post("/complaints/new", data=data, content_type="multipart/form-data")


def filed(response) -> Complaint:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    code = re.search(r"/track/(ADU-[0-9A-Z-]+)", response.headers["Location"])
    assert code is not None
    complaint = db.session.scalar(select(Complaint).where(Complaint.code == code.group(1)))
    assert complaint is not None
    return complaint


def complaint_count() -> int:
    return db.session.scalar(select(func.count(Complaint.id))) or 0


def test_the_kecamatan_and_desa_chosen_on_the_form_are_stored(client: FlaskClient, app_ctx) -> None:
    complaint = filed(send_form(client, kecamatan="Suwawa Tengah", desa="Lombongo"))
    assert (complaint.kecamatan, complaint.desa) == ("Suwawa Tengah", "Lombongo")
    assert complaint.address == "Dekat masjid, jalan ke air terjun"


def test_the_address_alone_is_still_enough(client: FlaskClient, app_ctx) -> None:
    complaint = filed(send_form(client, kecamatan="", desa=""))
    assert complaint.kecamatan is None and complaint.desa is None
    assert complaint.lat is None and complaint.address == REPORT["address"]


def test_an_unknown_kecamatan_is_refused_in_the_citizens_language(
    client: FlaskClient, app_ctx
) -> None:
    response = send_form(client, kecamatan="Kota Selatan")  # Kota Gorontalo's, not ours
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Pilih kecamatan dari daftar." in page
    # The rest of what the citizen wrote stays on the form.
    assert "Jembatan kayu di dekat masjid desa" in page
    assert complaint_count() == 0

    english = send_form(client, lang="en", kecamatan="Kota Selatan")
    assert english.status_code == 422
    assert "Choose a kecamatan from the list." in english.get_data(as_text=True)


def test_a_desa_of_another_kecamatan_is_refused(client: FlaskClient, app_ctx) -> None:
    response = send_form(client, kecamatan="Tapa", desa="Lombongo")  # Lombongo is Suwawa Tengah's
    assert response.status_code == 422
    assert "Pilih desa/kelurahan yang ada di kecamatan yang dipilih." in response.get_data(
        as_text=True
    )
    assert complaint_count() == 0


def test_a_desa_alone_names_its_kecamatan_unless_two_kecamatan_share_the_name(
    client: FlaskClient, app_ctx
) -> None:
    complaint = filed(send_form(client, desa="Botubarani"))
    assert (complaint.kecamatan, complaint.desa) == ("Kabila Bone", "Botubarani")

    # Tamboo is a desa of Bonepantai and of Tilongkabila: the citizen is asked which.
    response = send_form(client, desa="Tamboo")
    assert response.status_code == 422
    assert "Beberapa kecamatan punya desa dengan nama ini" in response.get_data(as_text=True)
    chosen = filed(send_form(client, kecamatan="Tilongkabila", desa="Tamboo"))
    assert (chosen.kecamatan, chosen.desa) == ("Tilongkabila", "Tamboo")


def test_the_form_offers_the_eighteen_kecamatan_and_their_desa_grouped(
    client: FlaskClient, app_ctx
) -> None:
    page = client.get("/complaints/new").get_data(as_text=True)
    kecamatan = re.search(r'<select[^>]*id="kecamatan".*?</select>', page, re.S)
    assert kecamatan is not None
    names = re.findall(r'<option value="([^"]+)">', kecamatan.group(0))
    assert names == [
        "Bone", "Bone Raya", "Bonepantai", "Botupingge", "Bulango Selatan", "Bulango Timur",
        "Bulango Ulu", "Bulango Utara", "Bulawa", "Kabila", "Kabila Bone", "Pinogu", "Suwawa",
        "Suwawa Selatan", "Suwawa Tengah", "Suwawa Timur", "Tapa", "Tilongkabila",
    ]  # fmt: skip
    desa = re.search(r'<select[^>]*id="desa".*?</select>', page, re.S)
    assert desa is not None
    group = re.search(r'<optgroup label="Suwawa Tengah">(.*?)</optgroup>', desa.group(0))
    assert group is not None
    assert re.findall(r'value="([^"]+)"', group.group(1)) == [
        "Alale", "Duano", "Lombongo", "Lompotoo", "Tapadaa", "Tolomato",
    ]  # fmt: skip
    assert "Pilih kecamatan" in page and "Kecamatan (opsional)" in page


def test_the_list_is_the_official_one_with_its_source() -> None:
    document = json.loads(districts.DATA_FILE.read_text(encoding="utf-8"))
    assert "Kepmendagri" in document["source"] or "Menteri Dalam Negeri" in document["source"]
    assert len(districts.all_kecamatan()) == 18
    villages = sum(len(kecamatan.villages) for kecamatan in districts.all_kecamatan())
    assert villages == 165  # 160 desa and 5 kelurahan
    kabila = districts.kecamatan_named("  kabila ")
    assert kabila is not None and "Padengo" in kabila.villages  # a kelurahan


def test_the_staff_page_shows_the_kecamatan_and_desa(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(kecamatan="Bulango Ulu", desa="Owata")
    staff = signed_in(app, cast.admin.email)
    page = staff.get(f"/staff/complaints/{complaint.code}").get_data(as_text=True)
    assert "Kecamatan dan desa" in page
    assert "Bulango Ulu — Owata" in page


def test_the_permissions_policy_lets_our_own_pages_ask_for_the_location(
    client: FlaskClient,
) -> None:
    policy = client.get("/complaints/new").headers["Permissions-Policy"]
    assert "geolocation=(self)" in policy.split(", ")
    assert "camera=()" in policy


def test_the_api_takes_kecamatan_and_desa_and_refuses_an_unknown_one(
    client: FlaskClient, app_ctx
) -> None:
    report = {"category": "road-damage", "description": "Jalan tani di Owata longsor sebagian."}
    response = client.post(
        "/api/v1/complaints", json={**report, "kecamatan": "bulango ulu", "desa": "Owata"}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    complaint = db.session.scalar(
        select(Complaint).where(Complaint.code == response.get_json()["code"])
    )
    assert complaint is not None
    assert (complaint.kecamatan, complaint.desa) == ("Bulango Ulu", "Owata")  # the list's spelling

    refused = client.post("/api/v1/complaints?lang=id", json={**report, "kecamatan": "Limboto"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["kecamatan"] == "Pilih kecamatan dari daftar."
    assert complaint_count() == 1
