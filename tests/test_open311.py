"""Open311 GeoReport v2: what a third-party client does — list services, file, read back."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from complaints import workflow
from complaints.extensions import db
from complaints.models import Complaint, MessageKind, Open311Key
from complaints.workflow import Actor
from tests.api_helpers import open311_key
from tests.conftest import DEFAULT_NOW, MakeComplaint

FORM = {
    "service_code": "road-damage",
    "lat": "0.5412",
    "long": "123.1291",
    "description": "Jalan berlubang besar di depan SD Negeri 1 Suwawa.",
    "first_name": "Siti",
    "last_name": "Rahma",
    "phone": "081234567890",
    "email": "siti@example.org",
}


def assert_open311_error(response, status: int) -> list[dict]:
    assert response.status_code == status, response.get_data(as_text=True)
    errors = response.get_json()
    assert isinstance(errors, list) and errors
    assert all(set(error) == {"code", "description"} for error in errors)
    return errors


def file_request(client, api_key: str, **overrides: str):
    return client.post("/open311/v2/requests.json", data={**FORM, "api_key": api_key, **overrides})


def test_discovery_points_at_this_endpoint(client, app_ctx) -> None:
    body = client.get("/open311/v2/discovery.json").get_json()
    endpoint = body["endpoints"][0]
    assert endpoint["url"] == "https://aduan.test/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in endpoint["formats"]


def test_services_come_from_active_categories(client, app_ctx) -> None:
    services = {
        s["service_code"]: s for s in client.get("/open311/v2/services.json?lang=en").get_json()
    }
    road = services["road-damage"]
    assert road == {
        "service_code": "road-damage",
        "service_name": "Damaged roads and bridges",
        "description": "Damaged roads and bridges",
        "metadata": False,
        "type": "realtime",
        "keywords": "jalan, aspal, lubang, jembatan, road, bridge, pothole",
        "group": "Dinas Pekerjaan Umum dan Penataan Ruang",
    }


def test_services_are_also_served_as_xml(client, app_ctx) -> None:
    response = client.get("/open311/v2/services.xml")
    assert response.content_type == "text/xml; charset=utf-8"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "services"
    assert root.find("service/service_code") is not None
    assert root.find("service/metadata").text == "false"


def test_a_service_definition_has_no_attributes(client, app_ctx) -> None:
    response = client.get("/open311/v2/services/road-damage.json")
    assert response.get_json() == {"service_code": "road-damage", "attributes": []}
    assert_open311_error(client.get("/open311/v2/services/unknown.json"), 404)


def test_a_request_is_filed_with_an_api_key(client, app_ctx) -> None:
    response = file_request(client, open311_key())
    assert response.status_code == 201
    (created,) = response.get_json()
    assert set(created) == {"service_request_id", "service_notice", "account_id", "reporter_key"}
    assert f"?key={created['reporter_key']}" in created["service_notice"]
    complaint = db.session.scalar(
        select(Complaint).where(Complaint.code == created["service_request_id"])
    )
    assert complaint is not None and complaint.channel == "open311"
    assert complaint.reporter is not None and complaint.reporter.name == "Siti Rahma"
    assert complaint.lat == pytest.approx(0.5412)


def test_the_round_trip_shows_open_then_closed(client, app_ctx, make_complaint) -> None:
    (created,) = file_request(client, open311_key()).get_json()
    request_id = created["service_request_id"]
    (read,) = client.get(f"/open311/v2/requests/{request_id}.json").get_json()
    assert read["status"] == "open"
    assert read["service_code"] == "road-damage"
    assert read["requested_datetime"].endswith("+08:00")
    assert read["agency_responsible"] == "Dinas Pekerjaan Umum dan Penataan Ruang"
    assert read["expected_datetime"] is None
    assert "Siti" not in str(read) and "081234567890" not in str(read)

    complaint = db.session.scalar(select(Complaint).where(Complaint.code == request_id))
    actor = Actor.system("test")
    workflow.verify_complaint(complaint, actor)
    workflow.start_work(complaint, actor)
    workflow.commit()
    (working,) = client.get(f"/open311/v2/requests/{request_id}.json").get_json()
    assert working["status"] == "open"
    assert working["expected_datetime"] is not None
    workflow.resolve_complaint(complaint, actor, "Sudah ditambal, hubungi 081234567890.")
    workflow.confirm_resolution(complaint)
    workflow.commit()
    (closed,) = client.get(f"/open311/v2/requests/{request_id}.json").get_json()
    assert closed["status"] == "closed"
    assert closed["status_notes"].startswith("Sudah ditambal")
    assert "081234567890" not in closed["status_notes"]
    listed = client.get("/open311/v2/requests.json?status=closed").get_json()
    assert [item["service_request_id"] for item in listed] == [request_id]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("received", "open"),
        ("verified", "open"),
        ("in_progress", "open"),
        ("resolved", "closed"),
        ("closed", "closed"),
        ("rejected", "closed"),
        ("merged", "closed"),
    ],
)
def test_status_mapping(client, make_complaint: MakeComplaint, status, expected) -> None:
    complaint = make_complaint(status=status)
    (read,) = client.get(f"/open311/v2/requests/{complaint.code}.json").get_json()
    assert read["status"] == expected


def test_confidential_complaints_are_never_listed_nor_readable(
    client, make_complaint: MakeComplaint
) -> None:
    secret = make_complaint(confidential=True, status="verified")
    shown = make_complaint(status="verified")
    listed = client.get("/open311/v2/requests.json").get_json()
    assert [item["service_request_id"] for item in listed] == [shown.code]
    by_id = client.get(f"/open311/v2/requests.json?service_request_id={secret.code},{shown.code}")
    assert [item["service_request_id"] for item in by_id.get_json()] == [shown.code]
    assert_open311_error(client.get(f"/open311/v2/requests/{secret.code}.json"), 404)


def test_complaints_hidden_by_staff_are_not_listed(client, make_complaint: MakeComplaint) -> None:
    hidden = make_complaint(status="verified")
    hidden.hidden_from_public = True
    db.session.commit()
    assert client.get("/open311/v2/requests.json").get_json() == []
    # Nor readable by id: hiding it is staff's decision to keep it off public pages.
    assert_open311_error(client.get(f"/open311/v2/requests/{hidden.code}.json"), 404)


def test_requests_filter_by_code_status_and_dates(
    client, make_complaint: MakeComplaint, set_now
) -> None:
    set_now(DEFAULT_NOW - timedelta(days=100))
    old = make_complaint(status="verified")
    set_now(DEFAULT_NOW)
    road = make_complaint(status="verified")
    waste = make_complaint(category_code="waste", status="resolved")

    def ids(query: str) -> list[str]:
        response = client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["service_request_id"] for item in response.get_json()]

    assert set(ids("")) == {road.code, waste.code}  # default: the last 90 days
    assert ids("service_code=waste") == [waste.code]
    assert ids("status=open") == [road.code]
    assert set(ids("status=open,closed")) == {road.code, waste.code}
    assert ids("start_date=2026-08-01T00:00:00Z&end_date=2026-08-30T00:00:00%2B08:00") == [old.code]
    assert ids(f"service_request_id={old.code}") == [old.code]  # ids override the window


@pytest.mark.parametrize(
    "query",
    [
        "status=pending",
        "start_date=yesterday",
        "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
        "start_date=9999-12-31T00:00:00Z",
        "service_code=a%00b",
    ],
)
def test_bad_filters_are_a_400_in_open311_form(client, app_ctx, query) -> None:
    assert_open311_error(client.get(f"/open311/v2/requests.json?{query}"), 400)


def test_at_most_1000_requests_are_listed(client, app_ctx, monkeypatch) -> None:
    from complaints.api import open311

    monkeypatch.setattr(open311, "MAX_REQUESTS", 2)
    key = open311_key()
    for number in range(3):
        file_request(client, key, description=f"Jalan rusak nomor {number} di Suwawa Tengah.")
    for complaint in db.session.scalars(select(Complaint)):
        workflow.verify_complaint(complaint, Actor.system("test"))
    workflow.commit()
    assert len(client.get("/open311/v2/requests.json").get_json()) == 2


@pytest.mark.parametrize("api_key", [None, "", "o311_wrong"])
def test_filing_needs_a_valid_api_key(client, app_ctx, api_key) -> None:
    data = dict(FORM) if api_key is None else {**FORM, "api_key": api_key}
    errors = assert_open311_error(client.post("/open311/v2/requests.json", data=data), 403)
    assert errors[0]["code"] == 403
    assert db.session.scalar(select(func.count(Complaint.id))) == 0


def test_a_revoked_api_key_is_refused(client, app_ctx) -> None:
    key = open311_key()
    for row in db.session.scalars(select(Open311Key)):
        row.revoked_at = DEFAULT_NOW
    db.session.commit()
    assert_open311_error(file_request(client, key), 403)


@pytest.mark.parametrize(
    ("overrides", "status", "mentions"),
    [
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "unknown"}, 404, "service_code"),
        ({"lat": "", "long": ""}, 400, "address_string"),
        ({"lat": "north"}, 400, "lat"),
        ({"long": "500"}, 400, "long"),
        ({"description": "short"}, 400, "description"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"media_url": "file:///etc/passwd"}, 400, "media_url"),
    ],
)
def test_bad_requests_name_the_problem(client, app_ctx, overrides, status, mentions) -> None:
    errors = assert_open311_error(file_request(client, open311_key(), **overrides), status)
    assert any(mentions in error["description"] for error in errors), errors


def test_an_address_string_is_enough_as_location(client, app_ctx) -> None:
    response = file_request(
        client, open311_key(), lat="", long="", address_string="Jl. Poros, Suwawa"
    )
    assert response.status_code == 201


def test_media_url_is_kept_as_an_internal_note_and_never_published(client, app_ctx) -> None:
    url = "https://photos.example.org/pothole.jpg"
    (created,) = file_request(client, open311_key(), media_url=url).get_json()
    complaint = db.session.scalar(
        select(Complaint).where(Complaint.code == created["service_request_id"])
    )
    assert [m.kind for m in complaint.messages] == [MessageKind.INTERNAL_NOTE]
    assert url in complaint.messages[0].body
    (read,) = client.get(f"/open311/v2/requests/{complaint.code}.json").get_json()
    assert read["media_url"] is None
    assert url not in client.get(f"/api/v1/complaints/{complaint.code}").get_data(as_text=True)


def test_retries_with_an_idempotency_key_file_once(client, app_ctx) -> None:
    key = open311_key()
    headers = {"Idempotency-Key": "batch-17"}
    first = client.post("/open311/v2/requests.json", data={**FORM, "api_key": key}, headers=headers)
    again = client.post("/open311/v2/requests.json", data={**FORM, "api_key": key}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()[0]["service_request_id"] == again.get_json()[0]["service_request_id"]
    other_client = client.post(
        "/open311/v2/requests.json", data={**FORM, "api_key": open311_key("Other")}, headers=headers
    )
    assert other_client.status_code == 201  # keys are scoped per client
    assert db.session.scalar(select(func.count(Complaint.id))) == 2


def test_errors_follow_the_url_format(client, app_ctx) -> None:
    response = client.get("/open311/v2/requests/ADU-0000-0000.xml")
    assert response.status_code == 404
    root = ElementTree.fromstring(response.data)
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_unknown_paths_and_methods_answer_in_open311_form(client, app_ctx) -> None:
    assert_open311_error(client.get("/open311/v2/tokens/123.json"), 404)
    response = client.delete("/open311/v2/services.json")
    assert_open311_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_a_created_request_reads_back_as_xml(client, app_ctx) -> None:
    response = client.post("/open311/v2/requests.xml", data={**FORM, "api_key": open311_key()})
    assert response.status_code == 201
    code = ElementTree.fromstring(response.data).find("request/service_request_id").text
    root = ElementTree.fromstring(client.get(f"/open311/v2/requests/{code}.xml").data)
    assert root.tag == "service_requests"
    assert root.find("request/status").text == "open"
