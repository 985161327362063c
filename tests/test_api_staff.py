"""Staff endpoints of the JSON API: bearer tokens, scoping by role and unit, workflow actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Blueprint, Flask
from sqlalchemy import select

from complaints import clock
from complaints.api import auth
from complaints.extensions import db
from complaints.models import ApiToken, AuditLog, Complaint, MessageKind, Role
from tests.api_helpers import bearer
from tests.conftest import DEFAULT_NOW, Cast, MakeComplaint, unit
from tests.staff_helpers import signed_in
from tests.test_api_public import PUBLIC_KEYS, assert_error


def codes_of(response) -> list[str]:
    return [item["code"] for item in response.get_json()["items"]]


# --- tokens ----------------------------------------------------------------------------


def test_a_token_is_stored_only_as_its_sha256(app_ctx, cast: Cast) -> None:
    token, secret = auth.issue_token(cast.officer_a, "dashboard")
    db.session.commit()
    assert secret.startswith("aduan_") and len(secret) > 40
    assert token.token_hash == auth.hash_secret(secret)
    assert secret not in {row.token_hash for row in db.session.scalars(select(ApiToken))}


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "bearer  "],
)
def test_staff_endpoints_need_a_valid_token(client, cast: Cast, header) -> None:
    headers = {"Authorization": header} if header is not None else {}
    assert_error(client.get("/api/v1/complaints", headers=headers), 401, "unauthorized")


def test_a_revoked_token_is_refused(client, cast: Cast) -> None:
    headers = bearer(cast.officer_a)
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    for token in db.session.scalars(select(ApiToken)):
        auth.revoke_token(token)
    db.session.commit()
    assert_error(client.get("/api/v1/complaints", headers=headers), 401, "unauthorized")


def test_a_deactivated_users_token_is_refused(client, cast: Cast) -> None:
    headers = bearer(cast.officer_a)
    cast.officer_a.active = False
    db.session.commit()
    assert_error(client.get("/api/v1/complaints", headers=headers), 401, "unauthorized")


def test_a_session_cookie_alone_never_authorizes_a_staff_call(
    app, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    browser = signed_in(app, cast.admin.email)
    assert_error(browser.get("/api/v1/complaints"), 401, "unauthorized")
    response = browser.post(
        f"/api/v1/complaints/{complaint.code}/transitions", json={"to": "verified"}
    )
    assert_error(response, 401, "unauthorized")
    response = browser.post(
        f"/api/v1/complaints/{complaint.code}/messages", json={"body": "hi", "public": True}
    )
    assert_error(response, 401, "unauthorized")
    db.session.refresh(complaint)
    assert complaint.status == "received"


def test_token_use_is_recorded_at_most_every_few_minutes(client, cast: Cast, set_now) -> None:
    headers = bearer(cast.officer_a)
    client.get("/api/v1/complaints", headers=headers)
    token = db.session.scalars(select(ApiToken)).one()
    db.session.refresh(token)
    assert token.last_used_at == DEFAULT_NOW
    set_now(DEFAULT_NOW + timedelta(minutes=1))
    client.get("/api/v1/complaints", headers=headers)
    db.session.refresh(token)
    assert token.last_used_at == DEFAULT_NOW


def test_token_required_can_demand_a_role(app: Flask, cast: Cast) -> None:
    """The decorator other blueprints (e.g. /api/v1/metrics) use."""
    probe = Blueprint("probe", __name__)

    @probe.get("/api/v1/probe")
    @auth.token_required(roles=[Role.SUPERVISOR, Role.ADMIN])
    def probe_view() -> dict[str, str]:
        return {"email": auth.current_api_user().email}

    app.register_blueprint(probe)
    client = app.test_client()
    assert client.get("/api/v1/probe", headers=bearer(cast.admin)).get_json() == {
        "email": cast.admin.email
    }
    assert_error(client.get("/api/v1/probe", headers=bearer(cast.officer_a)), 403, "forbidden")
    assert_error(client.get("/api/v1/probe"), 401, "unauthorized")


# --- list ------------------------------------------------------------------------------


def test_each_token_lists_only_its_users_complaints(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    road = make_complaint(status="verified")  # PUPR, unit A
    waste = make_complaint(status="verified", category_code="waste")  # DLH, unit B
    assert codes_of(client.get("/api/v1/complaints", headers=bearer(cast.officer_a))) == [road.code]
    assert codes_of(client.get("/api/v1/complaints", headers=bearer(cast.officer_b))) == [
        waste.code
    ]
    assert set(codes_of(client.get("/api/v1/complaints", headers=bearer(cast.admin)))) == {
        road.code,
        waste.code,
    }


def test_the_list_pages_with_an_opaque_cursor_newest_first(
    client, cast: Cast, make_complaint: MakeComplaint, set_now
) -> None:
    made = []
    for minutes in range(5):
        set_now(DEFAULT_NOW + timedelta(minutes=minutes))
        made.append(make_complaint().code)
    headers = bearer(cast.admin)
    seen: list[str] = []
    url = "/api/v1/complaints?limit=2"
    pages = 0
    while url:
        body = client.get(url, headers=headers).get_json()
        seen += [item["code"] for item in body["items"]]
        pages += 1
        url = (
            f"/api/v1/complaints?limit=2&cursor={body['next_cursor']}"
            if body["next_cursor"]
            else ""
        )
    assert seen == list(reversed(made))
    assert pages == 3


def test_the_queue_filters_work_with_codes(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    received = make_complaint()
    verified = make_complaint(status="verified", category_code="clean-water")
    headers = bearer(cast.admin)
    assert codes_of(client.get("/api/v1/complaints?status=received", headers=headers)) == [
        received.code
    ]
    assert codes_of(client.get("/api/v1/complaints?category=clean-water", headers=headers)) == [
        verified.code
    ]
    assert set(
        codes_of(client.get("/api/v1/complaints?unit=PUPR&status=open", headers=headers))
    ) == {
        received.code,
        verified.code,
    }
    assert codes_of(client.get(f"/api/v1/complaints?q={verified.code}", headers=headers)) == [
        verified.code
    ]


@pytest.mark.parametrize(
    "query",
    [
        "status=lost",
        "unit=NOWHERE",
        "category=nothing",
        "assignee=someone",
        "from=yesterday",
        "to=9999-12-31",
        "limit=0",
        "limit=101",
        "cursor=garbage",
        "q=a%00b",
    ],
)
def test_bad_list_parameters_are_a_400_naming_the_parameter(client, cast: Cast, query) -> None:
    response = client.get(f"/api/v1/complaints?{query}", headers=bearer(cast.admin))
    error = assert_error(response, 400, "invalid_query")
    assert query.split("=")[0] in error["fields"]


# --- detail ----------------------------------------------------------------------------


def test_a_token_gets_the_staff_view(client, cast: Cast, make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(name="Siti Rahma", phone="081234567890")
    response = client.get(f"/api/v1/complaints/{complaint.code}", headers=bearer(cast.officer_a))
    body = response.get_json()
    assert response.status_code == 200
    assert body["reporter"]["phone"] == "+6281234567890"
    assert body["allowed_transitions"] == ["merged", "rejected", "verified"]
    assert [event["to_status"] for event in body["events"]] == ["received"]
    assert set(body) > PUBLIC_KEYS - {"public_replies"}


def test_a_complaint_of_another_unit_is_a_404_for_its_token(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")  # unit A
    headers = bearer(cast.officer_b)
    assert_error(
        client.get(f"/api/v1/complaints/{complaint.code}", headers=headers), 404, "not_found"
    )
    for action, body in (
        ("transitions", {"to": "in_progress"}),
        ("messages", {"body": "Kami tangani."}),
        ("assignment", {"assignee": None}),
    ):
        response = client.post(
            f"/api/v1/complaints/{complaint.code}/{action}", json=body, headers=headers
        )
        assert_error(response, 404, "not_found")
    db.session.refresh(complaint)
    assert complaint.status == "verified" and complaint.messages == []


def test_an_anonymous_reporter_is_hidden_from_officers_but_not_admins(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(name="Siti Rahma", anonymous=True)
    officer = client.get(f"/api/v1/complaints/{complaint.code}", headers=bearer(cast.officer_a))
    assert officer.get_json()["reporter"] is None
    assert officer.get_json()["reporter_visible"] is False
    assert "Siti" not in officer.get_data(as_text=True)
    admin = client.get(f"/api/v1/complaints/{complaint.code}", headers=bearer(cast.admin))
    assert admin.get_json()["reporter"]["name"] == "Siti Rahma"


def test_a_confidential_reporter_is_hidden_outside_the_handling_unit(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    from complaints.auth import create_user

    front = create_user(
        "desk@bonebolangokab.go.id", "officer", "correct-horse-battery", unit_code="DPMPTSP"
    )
    unit("DPMPTSP").is_front_office = True
    db.session.commit()
    complaint = make_complaint(name="Siti Rahma", confidential=True)
    desk = client.get(f"/api/v1/complaints/{complaint.code}", headers=bearer(front)).get_json()
    assert desk["reporter"] is None
    handling = client.get(f"/api/v1/complaints/{complaint.code}", headers=bearer(cast.officer_a))
    assert handling.get_json()["reporter"]["name"] == "Siti Rahma"


# --- transitions -----------------------------------------------------------------------


def post_transition(client, code: str, headers, **body):
    return client.post(f"/api/v1/complaints/{code}/transitions", json=body, headers=headers)


def test_verify_routes_and_assigns_through_the_workflow(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(category_code="waste")  # DLH by default
    response = post_transition(
        client,
        complaint.code,
        bearer(cast.admin),
        to="verified",
        unit="PUPR",
        note="Ini urusan PUPR",
        assignee=cast.officer_a.email,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "verified" and body["unit"] == "PUPR"
    assert body["assignee"]["email"] == cast.officer_a.email
    assert [event["kind"] for event in body["events"]] == ["status", "status", "assign"]
    assert db.session.scalars(select(AuditLog.action)).all() == ["api_transition_verified"]


def test_a_full_run_from_received_to_resolved(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    headers = bearer(cast.officer_a)
    assert post_transition(client, complaint.code, headers, to="verified").status_code == 200
    assert post_transition(client, complaint.code, headers, to="in_progress").status_code == 200
    response = post_transition(client, complaint.code, headers, to="resolved", note="Ditambal.")
    assert response.get_json()["status"] == "resolved"
    assert response.get_json()["resolution"] == "Ditambal."


def test_an_invalid_move_is_a_409_listing_the_allowed_moves(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    response = post_transition(
        client, complaint.code, bearer(cast.officer_a), to="resolved", note="x"
    )
    error = assert_error(response, 409, "invalid_transition")
    assert error["allowed"] == ["merged", "rejected", "verified"]
    assert error["current"] == "received"


def test_staff_cannot_close_a_complaint(client, cast: Cast, make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="resolved")
    response = post_transition(client, complaint.code, bearer(cast.admin), to="closed")
    assert_error(response, 403, "forbidden")
    db.session.refresh(complaint)
    assert complaint.status == "resolved"


@pytest.mark.parametrize(
    ("status", "body", "field"),
    [
        ("received", {"to": "rejected"}, "reason"),
        ("in_progress", {"to": "resolved"}, "note"),
        ("received", {"to": "verified", "unit": "NOWHERE"}, "unit"),
        ("received", {"to": "merged", "duplicate_of": "ADU-0000-0000"}, "duplicate_of"),
        ("received", {"to": "lost"}, "to"),
        ("received", {}, "to"),
        ("verified", {"to": "in_progress", "assignee": "nobody@example.org"}, "assignee"),
    ],
)
def test_incomplete_moves_are_a_422_naming_the_field(
    client, cast: Cast, make_complaint: MakeComplaint, status, body, field
) -> None:
    complaint = make_complaint(status=status)
    response = client.post(
        f"/api/v1/complaints/{complaint.code}/transitions", json=body, headers=bearer(cast.admin)
    )
    error = assert_error(response, 422, "validation_failed")
    assert field in error["fields"]
    db.session.refresh(complaint)
    assert complaint.status == status


def test_acting_on_an_old_version_is_a_409(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    response = post_transition(
        client, complaint.code, bearer(cast.officer_a), to="verified", version=complaint.version - 1
    )
    assert_error(response, 409, "changed_meanwhile")


def test_merge_into_a_complaint_in_reach(client, cast: Cast, make_complaint: MakeComplaint) -> None:
    original = make_complaint()
    duplicate = make_complaint()
    response = post_transition(
        client, duplicate.code, bearer(cast.officer_a), to="merged", duplicate_of=original.code
    )
    assert response.get_json()["duplicate_of"] == original.code


def test_assignment_endpoint_assigns_and_unassigns(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")
    headers = bearer(cast.supervisor)
    url = f"/api/v1/complaints/{complaint.code}/assignment"
    response = client.post(url, json={"assignee": cast.officer_a.id}, headers=headers)
    assert response.get_json()["assignee"]["email"] == cast.officer_a.email
    response = client.post(url, json={"assignee": None}, headers=headers)
    assert response.get_json()["assignee"] is None
    assert_error(client.post(url, json={}, headers=headers), 422, "validation_failed")
    response = client.post(url, json={"assignee": cast.officer_b.email}, headers=headers)
    assert_error(response, 422, "validation_failed")


# --- messages --------------------------------------------------------------------------


def test_a_public_message_is_a_reply_the_citizen_sees(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")
    response = client.post(
        f"/api/v1/complaints/{complaint.code}/messages",
        json={"body": "Tim kami akan datang besok.", "public": True},
        headers=bearer(cast.officer_a),
    )
    assert response.status_code == 201
    assert response.get_json()["kind"] == MessageKind.PUBLIC_REPLY
    public = client.get(f"/api/v1/complaints/{complaint.code}").get_json()
    assert [reply["body"] for reply in public["public_replies"]] == ["Tim kami akan datang besok."]


def test_a_message_is_an_internal_note_unless_public(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")
    response = client.post(
        f"/api/v1/complaints/{complaint.code}/messages",
        json={"body": "Cek dulu anggaran."},
        headers=bearer(cast.officer_a),
    )
    assert response.get_json()["kind"] == MessageKind.INTERNAL_NOTE
    assert client.get(f"/api/v1/complaints/{complaint.code}").get_json()["public_replies"] == []


@pytest.mark.parametrize("body", [{}, {"body": "  "}, {"body": "ok", "public": "yes"}])
def test_a_message_needs_a_body(client, cast: Cast, make_complaint: MakeComplaint, body) -> None:
    complaint = make_complaint(status="verified")
    response = client.post(
        f"/api/v1/complaints/{complaint.code}/messages", json=body, headers=bearer(cast.officer_a)
    )
    assert_error(response, 422, "validation_failed")


def test_the_list_never_shows_complaints_created_later_than_its_cursor(
    client, cast: Cast, make_complaint: MakeComplaint, set_now
) -> None:
    first = make_complaint()
    headers = bearer(cast.admin)
    set_now(clock.now() + timedelta(minutes=1))
    second = make_complaint()
    page = client.get("/api/v1/complaints?limit=1", headers=headers).get_json()
    assert [item["code"] for item in page["items"]] == [second.code]
    set_now(clock.now() + timedelta(minutes=1))
    make_complaint()  # arrives while the client pages
    rest = client.get(f"/api/v1/complaints?limit=5&cursor={page['next_cursor']}", headers=headers)
    assert codes_of(rest) == [first.code]
    assert db.session.get(Complaint, first.id) is not None
