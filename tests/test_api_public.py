"""The public JSON API: reference lists, filing a complaint, reading it by its code."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Complaint
from tests.conftest import Cast, MakeComplaint
from tests.staff_helpers import signed_in

VALID = {
    "category": "road-damage",
    "description": "Jalan berlubang besar di depan SD Negeri 1 Suwawa.",
}
PUBLIC_KEYS = {
    "code",
    "status",
    "kind",
    "channel",
    "category",
    "unit",
    "created_at",
    "updated_at",
    "deadlines",
    "public_replies",
}


def count_complaints() -> int:
    return db.session.scalar(select(func.count(Complaint.id))) or 0


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert set(error) >= {"code", "message", "fields"}
    assert error["code"] == code
    return error


def test_categories_list_active_categories_with_codes(client, app_ctx) -> None:
    response = client.get("/api/v1/categories?lang=en")
    assert response.status_code == 200
    listed = {item["code"]: item for item in response.get_json()}
    assert listed["road-damage"]["name"] == "Damaged roads and bridges"
    assert listed["road-damage"]["unit"] == "PUPR"


def test_units_list_codes_names_and_parents(client, app_ctx) -> None:
    units = {item["code"]: item for item in client.get("/api/v1/units").get_json()}
    assert units["RSUD"]["parent"] == "DINKES"
    assert units["PUPR"]["name"] == "Dinas Pekerjaan Umum dan Penataan Ruang"


def test_a_complaint_is_filed_with_201_and_the_public_view(client, app_ctx) -> None:
    response = client.post(
        "/api/v1/complaints",
        json={**VALID, "name": "Siti Rahma", "phone": "0812 3456 7890", "lat": 0.54, "lon": 123.1},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == PUBLIC_KEYS | {"reporter_key"}
    assert len(body["reporter_key"]) >= 16  # 128 bits, URL-safe base64
    assert body["channel"] == "api"
    assert body["status"] == "received"
    assert body["created_at"].endswith("+00:00")
    assert response.headers["Location"] == f"/api/v1/complaints/{body['code']}"
    assert "Siti" not in response.get_data(as_text=True)
    complaint = db.session.scalar(select(Complaint).where(Complaint.code == body["code"]))
    assert complaint is not None and complaint.reporter is not None
    assert complaint.reporter.phone == "+6281234567890"


def test_validation_failures_answer_422_with_a_message_per_field(client, app_ctx) -> None:
    response = client.post(
        "/api/v1/complaints",
        json={"category": "nope", "description": "short", "lat": 100, "lon": "east"},
    )
    error = assert_error(response, 422, "validation_failed")
    assert set(error["fields"]) == {"lon"}  # type errors first, before content checks
    response = client.post(
        "/api/v1/complaints",
        json={"category": "nope", "description": "short", "lat": 100, "lon": 1},
    )
    error = assert_error(response, 422, "validation_failed")
    assert set(error["fields"]) == {"category", "description", "lat"}
    assert count_complaints() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("anonymous", "yes"),
        ("lat", True),
        ("lat", 10**400),
        ("description", 42),
        ("description", "Jalan rusak\u0000 parah sekali"),
        ("description", "Jalan rusak \ud800 parah sekali"),
    ],
)
def test_wrongly_typed_or_unstorable_fields_are_refused(client, app_ctx, field, value) -> None:
    response = client.post("/api/v1/complaints", json={**VALID, "lon": 1.0, field: value})
    error = assert_error(response, 422, "validation_failed")
    assert field in error["fields"]


def test_malformed_json_is_a_400(client, app_ctx) -> None:
    response = client.post("/api/v1/complaints", data="{not json", content_type="application/json")
    assert_error(response, 400, "invalid_json")
    response = client.post("/api/v1/complaints", json=["a", "list"])
    assert_error(response, 400, "invalid_json")


def test_a_body_that_is_not_json_is_a_415(client, app_ctx) -> None:
    response = client.post("/api/v1/complaints", data=VALID)
    assert_error(response, 415, "unsupported_media_type")


def test_a_huge_body_is_a_413(client, app_ctx) -> None:
    response = client.post("/api/v1/complaints", json={**VALID, "address": "x" * (70 * 1024)})
    assert_error(response, 413, "too_large")


def test_the_same_idempotency_key_twice_files_one_complaint(client, app_ctx) -> None:
    headers = {"Idempotency-Key": "4f1c2a5e-retry"}
    first = client.post("/api/v1/complaints", json=VALID, headers=headers)
    again = client.post("/api/v1/complaints", json=VALID, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["code"] == first.get_json()["code"]
    assert count_complaints() == 1


def test_without_a_key_every_post_files_a_new_complaint(client, app_ctx) -> None:
    client.post("/api/v1/complaints", json=VALID)
    client.post("/api/v1/complaints", json=VALID)
    assert count_complaints() == 2


def test_a_reused_key_with_another_body_is_refused_not_answered(client, app_ctx) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    first = client.post("/api/v1/complaints", json=VALID, headers=headers)
    other = client.post(
        "/api/v1/complaints",
        json={**VALID, "description": "Lampu jalan mati di Desa Tingkohubu."},
        headers=headers,
    )
    error = assert_error(other, 422, "idempotency_key_reused")
    assert first.get_json()["code"] not in other.get_data(as_text=True)
    assert "Idempotency-Key" in error["fields"]
    assert count_complaints() == 1


def test_a_malformed_idempotency_key_is_a_400(client, app_ctx) -> None:
    response = client.post("/api/v1/complaints", json=VALID, headers={"Idempotency-Key": "x" * 201})
    assert_error(response, 400, "invalid_idempotency_key")


def test_anyone_with_the_code_reads_the_public_view(client, make_complaint) -> None:
    complaint = make_complaint(status="verified", name="Siti Rahma", phone="081234567890")
    response = client.get(f"/api/v1/complaints/{complaint.code.lower().replace('-', '')}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == PUBLIC_KEYS
    assert body["code"] == complaint.code
    assert "Siti" not in response.get_data(as_text=True)
    assert "6281234567890" not in response.get_data(as_text=True)


def test_public_replies_in_the_json_are_redacted_as_on_the_tracking_page(
    client, make_complaint: MakeComplaint
) -> None:
    from complaints import public, workflow
    from complaints.workflow import Actor

    complaint = make_complaint(status="verified", name="Siti Rahma", phone="081234567890")
    workflow.reply_to_citizen(
        complaint, Actor.system("test"), "Bu Siti, petugas kami akan menelepon 081234567890."
    )
    workflow.add_internal_note(complaint, Actor.system("test"), "Catatan internal untuk Siti.")
    workflow.commit()
    body = client.get(f"/api/v1/complaints/{complaint.code}").get_json()
    [reply] = body["public_replies"]
    assert "Siti" not in reply["body"] and "081234567890" not in reply["body"]
    [on_the_page] = public.public_view(complaint).public_replies
    assert reply == {"at": on_the_page.at.isoformat(), "body": on_the_page.body}


def test_a_confidential_complaint_is_readable_by_its_code(client, make_complaint) -> None:
    complaint = make_complaint(confidential=True)
    assert client.get(f"/api/v1/complaints/{complaint.code}").status_code == 200


def test_an_unknown_code_is_a_json_404(client, app_ctx) -> None:
    assert_error(client.get("/api/v1/complaints/ADU-0000-0000"), 404, "not_found")
    assert_error(client.get("/api/v1/complaints/not-a-code"), 404, "not_found")


def test_unknown_urls_and_methods_answer_in_the_envelope(client, app_ctx) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    response = client.delete("/api/v1/categories")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_a_signed_in_session_does_not_unlock_the_staff_view(
    app, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(name="Siti Rahma")
    browser = signed_in(app, cast.admin.email)
    body = browser.get(f"/api/v1/complaints/{complaint.code}").get_json()
    assert set(body) == PUBLIC_KEYS  # the public view, not the staff one


def test_public_endpoints_are_rate_limited(app) -> None:
    from complaints import create_app

    limited = create_app({**app.config, "RATELIMIT_ENABLED": True})
    client = limited.test_client()
    statuses = [
        client.post("/api/v1/complaints", json={"description": "short"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    response = client.post("/api/v1/complaints", json={})
    assert_error(response, 429, "rate_limited")
