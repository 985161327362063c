"""Every answer of the JSON API and Open311 is exactly its model, and the spec is valid OpenAPI.

Each body read back through its pydantic model and written out again must
give the same JSON: a key the model lacks, a key it has but the answer
misses, or an instant written another way would all show as a difference.
The public complaint is built by ``complaints.public.public_json`` (not by
the model), so this is what keeps the two the same.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from pydantic import BaseModel, TypeAdapter

from complaints import workflow
from complaints.api import open311_bodies as o311
from complaints.api import response_bodies as answer
from complaints.api.openapi import build_spec
from complaints.workflow import Actor
from tests.api_helpers import bearer, open311_key
from tests.conftest import Cast, MakeComplaint

NEW = {
    "category": "road-damage",
    "description": "Jalan berlubang besar di depan SD Negeri 1 Suwawa.",
    "name": "Siti Rahma",
    "lat": 0.54,
    "lon": 123.1,
}
FORM = {
    "service_code": "road-damage",
    "lat": "0.5412",
    "long": "123.1291",
    "description": "Jalan berlubang besar di depan SD Negeri 1 Suwawa.",
    "first_name": "Siti",
}


def exactly(shape: Any, body: Any) -> None:
    """``body`` read as ``shape`` and written again is ``body``, key for key."""
    adapter = TypeAdapter(shape)
    again = adapter.dump_python(adapter.validate_python(body), mode="json", by_alias=True)
    assert again == body


def test_the_spec_is_a_valid_openapi_31_document() -> None:
    spec = build_spec()
    schemathesis.openapi.from_dict(spec).validate()  # the OpenAPI 3.1 meta-schema
    refs = {
        value.rsplit("/", 1)[-1]
        for value in _values(spec, "$ref")
        if value.startswith("#/components/schemas/")
    }
    assert refs <= set(spec["components"]["schemas"])


def _values(node: Any, key: str) -> list[Any]:
    if isinstance(node, dict):
        return [
            found
            for name, child in node.items()
            for found in ([child] if name == key else _values(child, key))
        ]
    if isinstance(node, list):
        return [found for child in node for found in _values(child, key)]
    return []


def test_public_answers_are_their_models(client, make_complaint: MakeComplaint) -> None:
    exactly(list[answer.Category], client.get("/api/v1/categories").get_json())
    exactly(list[answer.Unit], client.get("/api/v1/units").get_json())
    headers = {"Idempotency-Key": "shapes-1"}
    filed = client.post("/api/v1/complaints", json=NEW, headers=headers)
    replayed = client.post("/api/v1/complaints", json=NEW, headers=headers)
    assert (filed.status_code, replayed.status_code) == (201, 200)
    exactly(answer.FiledComplaint, filed.get_json())
    exactly(answer.FiledComplaint, replayed.get_json())
    complaint = make_complaint(status="resolved", name="Siti Rahma")
    workflow.reply_to_citizen(complaint, Actor.system("test"), "Sudah ditambal, Bu Siti.")
    workflow.commit()
    public = client.get(f"/api/v1/complaints/{complaint.code}").get_json()
    assert public["public_replies"] and public["deadlines"]["verify"] is not None
    exactly(answer.PublicComplaint, public)


def test_staff_answers_are_their_models(client, cast: Cast, make_complaint: MakeComplaint) -> None:
    headers = bearer(cast.admin)
    complaint = make_complaint(name="Siti Rahma", phone="081234567890")
    base = f"/api/v1/complaints/{complaint.code}"
    moved = client.post(
        f"{base}/transitions",
        json={"to": "verified", "note": "Cek lokasi", "assignee": cast.officer_a.email},
        headers=headers,
    )
    exactly(answer.StaffComplaint, moved.get_json())
    note = client.post(f"{base}/messages", json={"body": "Cek dulu."}, headers=headers)
    assert note.status_code == 201
    exactly(answer.Message, note.get_json())
    reply = client.post(
        f"{base}/messages", json={"body": "Kami datang besok.", "public": True}, headers=headers
    )
    exactly(answer.Message, reply.get_json())
    assigned = client.post(f"{base}/assignment", json={"assignee": None}, headers=headers)
    exactly(answer.StaffComplaint, assigned.get_json())
    detail = client.get(base, headers=headers).get_json()
    assert detail["reporter"] and detail["messages"] and len(detail["events"]) >= 3
    exactly(answer.StaffComplaint, detail)
    hidden = make_complaint(name="Siti Rahma", anonymous=True)
    officer = client.get(f"/api/v1/complaints/{hidden.code}", headers=bearer(cast.officer_a))
    assert officer.get_json()["reporter"] is None
    exactly(answer.StaffComplaint, officer.get_json())
    page = client.get("/api/v1/complaints?limit=1", headers=headers).get_json()
    assert page["next_cursor"] is not None
    exactly(answer.ComplaintPage, page)
    report = client.get("/api/v1/metrics?from=2026-01-01&to=2026-12-31", headers=headers)
    exactly(answer.MetricsReport, report.get_json())


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/api/v1/complaints/ADU-0000-0000", None, 404),
        ("post", "/api/v1/complaints", {"description": 5}, 422),
        ("post", "/api/v1/complaints", ["not", "an", "object"], 400),
        ("get", "/api/v1/complaints", None, 401),
        ("delete", "/api/v1/units", None, 405),
    ],
)
def test_errors_are_the_error_model(client, app_ctx, method, path, body, status) -> None:
    response = getattr(client, method)(path, json=body)
    assert response.status_code == status
    exactly(answer.Error, response.get_json())


def test_an_invalid_move_is_the_error_model_with_its_extras(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    response = client.post(
        f"/api/v1/complaints/{complaint.code}/transitions",
        json={"to": "closed"},
        headers=bearer(cast.admin),
    )
    assert response.status_code == 409
    error = response.get_json()
    assert {"current", "allowed"} <= set(error["error"])
    exactly(answer.Error, error)


def test_open311_answers_are_their_models(client, make_complaint: MakeComplaint) -> None:
    get = client.get
    exactly(o311.Open311Discovery, get("/open311/v2/discovery.json").get_json())
    exactly(list[o311.Open311Service], get("/open311/v2/services.json").get_json())
    definition = get("/open311/v2/services/road-damage.json").get_json()
    exactly(o311.Open311ServiceDefinition, definition)
    created = client.post("/open311/v2/requests.json", data={**FORM, "api_key": open311_key()})
    assert created.status_code == 201
    exactly(list[o311.Open311Created], created.get_json())
    listed = make_complaint(status="resolved", name="Siti Rahma")
    requests = get("/open311/v2/requests.json").get_json()
    assert [item["service_request_id"] for item in requests] == [listed.code]
    exactly(list[o311.Open311ServiceRequest], requests)
    one = get(f"/open311/v2/requests/{listed.code}.json").get_json()
    exactly(list[o311.Open311ServiceRequest], one)
    exactly(o311.Open311Errors, get("/open311/v2/requests/ADU-0000-0000.json").get_json())


def test_every_model_is_a_component_of_the_spec() -> None:
    models: list[type[BaseModel]] = [*answer.ANSWERS, *o311.BODIES, o311.Open311NewRequest]
    components = build_spec()["components"]["schemas"]
    assert {model.__name__ for model in models} <= set(components)
