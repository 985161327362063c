"""Acting as a complaint's reporter needs the reporter's key; holding the code only reads.

The attacks of the security review (issue 16, findings 1–3, 6 and Open311's id
list), each done through HTTP as a stranger, a curious officer or a forged
request would, and the reporter's own ways that still work.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import create_app, ikm, workflow
from complaints.config import ConfigError
from complaints.extensions import db
from complaints.intake import submit_complaint
from complaints.models import Complaint, OutboundMessage, ReporterKey, SurveyResponse
from complaints.workflow import Actor
from tests.api_helpers import bearer, open311_key
from tests.conftest import (
    Cast,
    MakeComplaint,
    _test_config,
    category,
    csrf_token_from,
)
from tests.staff_helpers import signed_in

SURVEY = dict.fromkeys(ikm.ELEMENT_NAMES, "4")
VALID = {"category": "road-damage", "description": "Jalan berlubang di depan SDN 1 Suwawa."}


def messages_to(complaint: Complaint) -> list[str]:
    return list(
        db.session.scalars(
            select(OutboundMessage.body)
            .where(OutboundMessage.complaint_id == complaint.id)
            .order_by(OutboundMessage.id)
        )
    )


def link_in(body: str) -> str:
    """The tracking link in a message, as a path on the test site."""
    match = re.search(r"https://aduan\.test(/track/\S+)", body)
    assert match is not None, body
    return match.group(1)


def csrf(client: FlaskClient, code: str) -> str:
    return csrf_token_from(client.get(f"/track/{code}").get_data(as_text=True))


def confirm(client: FlaskClient, code: str, token: str, decision: str = "confirm") -> int:
    data = {"decision": decision, "reason": "Masih rusak", "csrf_token": token}
    return client.post(f"/track/{code}/confirm", data=data).status_code


def status_of(complaint: Complaint) -> str:
    db.session.expire_all()
    return complaint.status


# --- finding 2: the code reads, the key acts ---------------------------------------------


def test_a_stranger_with_the_code_cannot_confirm_reopen_or_rate(
    app: Flask, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved", phone="0812 3456 7890")
    stranger = app.test_client()
    page = stranger.get(f"/track/{complaint.code}").get_data(as_text=True)
    assert "Hanya pelapor yang dapat mengonfirmasi" in page
    assert 'name="decision"' not in page and 'name="timeliness"' not in page
    # A CSRF token of the stranger's own session, from any page with a form.
    token = csrf_token_from(stranger.get("/complaints/new").get_data(as_text=True))
    assert confirm(stranger, complaint.code, token) == 403
    assert confirm(stranger, complaint.code, token, "reopen") == 403
    rated = stranger.post(f"/track/{complaint.code}/rate", data={**SURVEY, "csrf_token": token})
    assert rated.status_code == 403
    wrong_key = stranger.get(f"/track/{complaint.code}?key=AAAAAAAAAAAAAAAAAAAAAA")
    assert wrong_key.status_code == 302
    assert confirm(stranger, complaint.code, token) == 403
    assert status_of(complaint) == "resolved" and complaint.satisfaction is None
    assert db.session.scalar(select(SurveyResponse)) is None


def test_the_acknowledgement_link_lets_the_reporter_act_from_any_phone(
    app: Flask, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(phone="0812 3456 7890")
    (acknowledgement,) = messages_to(complaint)
    assert "?key=" in acknowledgement
    # The key is stored hashed only, and never equal to the code.
    stored = db.session.scalar(
        select(ReporterKey.key_hash).where(ReporterKey.complaint_id == complaint.id)
    )
    key = link_in(acknowledgement).split("?key=")[1]
    assert stored is not None and key not in stored and len(key) * 6 >= 80
    for step in (workflow.verify_complaint, workflow.start_work):
        step(complaint, Actor.system("test"))
    workflow.resolve_complaint(complaint, Actor.system("test"), "Sudah ditambal.")
    workflow.commit()

    reporter = app.test_client()
    opened = reporter.get(link_in(acknowledgement))
    # The key leaves the address bar at once.
    assert opened.status_code == 302 and opened.headers["Location"].endswith(complaint.code)
    assert confirm(reporter, complaint.code, csrf(reporter, complaint.code)) == 302
    assert status_of(complaint) == "closed"
    answered = reporter.post(
        f"/track/{complaint.code}/rate",
        data={**SURVEY, "csrf_token": csrf(reporter, complaint.code)},
    )
    assert answered.status_code == 302 and status_of(complaint) == "closed"
    assert complaint.satisfaction == 5


def test_the_browser_that_filed_is_remembered_and_shown_its_link(app: Flask, app_ctx) -> None:
    citizen = app.test_client()
    form = citizen.get("/complaints/new").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', form)
    assert token is not None
    filed = citizen.post(
        "/complaints/new",
        data={
            **VALID,
            "kind": "complaint",
            "csrf_token": csrf_token_from(form),
            "submission_token": token.group(1),
        },
    )
    assert filed.status_code == 302
    after = citizen.get(filed.headers["Location"]).get_data(as_text=True)
    complaint = db.session.scalar(select(Complaint))
    assert complaint is not None
    assert f"/track/{complaint.code}?key=" in after  # to act from another device
    # Another browser reading the same page is not shown the key.
    stranger_view = app.test_client().get(filed.headers["Location"]).get_data(as_text=True)
    assert "?key=" not in stranger_view
    for step in (workflow.verify_complaint, workflow.start_work):
        step(complaint, Actor.system("test"))
    workflow.resolve_complaint(complaint, Actor.system("test"), "Sudah ditambal.")
    workflow.commit()
    reopened = confirm(citizen, complaint.code, csrf(citizen, complaint.code), "reopen")
    assert reopened == 302 and status_of(complaint) == "in_progress"


def test_the_api_and_open311_give_the_key_to_the_filing_client_only(
    app: Flask, app_ctx, make_complaint: MakeComplaint
) -> None:
    client = app.test_client()
    filed = client.post("/api/v1/complaints", json=VALID, headers={"Idempotency-Key": "k-1"})
    assert filed.status_code == 201
    body = filed.get_json()
    replay = client.post("/api/v1/complaints", json=VALID, headers={"Idempotency-Key": "k-1"})
    assert replay.status_code == 200 and replay.get_json()["reporter_key"] == body["reporter_key"]
    # The public view, read by anyone with the code, carries no key.
    public = client.get(f"/api/v1/complaints/{body['code']}").get_json()
    assert "reporter_key" not in public
    assert body["reporter_key"] not in client.get(f"/track/{body['code']}").get_data(as_text=True)

    response = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": open311_key(),
            "service_code": "road-damage",
            "description": VALID["description"],
            "address_string": "Jl. Ahmad Yani, Suwawa",
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()[0]
    complaint = db.session.scalar(
        select(Complaint).where(Complaint.code == created["service_request_id"])
    )
    assert complaint is not None
    workflow.verify_complaint(complaint, Actor.system("test"))
    workflow.start_work(complaint, Actor.system("test"))
    workflow.resolve_complaint(complaint, Actor.system("test"), "Sudah ditambal.")
    workflow.commit()
    citizen = app.test_client()
    citizen.get(f"/track/{complaint.code}?key={created['reporter_key']}")
    assert confirm(citizen, complaint.code, csrf(citizen, complaint.code)) == 302
    assert status_of(complaint) == "closed"


def test_the_key_never_reaches_a_staff_page_or_the_staff_api(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(phone="0812 3456 7890")
    key = link_in(messages_to(complaint)[0]).split("?key=")[1]
    admin = signed_in(app, cast.admin.email)
    assert key not in admin.get(f"/staff/complaints/{complaint.code}").get_data(as_text=True)
    assert key not in admin.get("/staff/complaints").get_data(as_text=True)
    staff_json = app.test_client().get(
        f"/api/v1/complaints/{complaint.code}", headers=bearer(cast.admin)
    )
    assert staff_json.status_code == 200 and key not in staff_json.get_data(as_text=True)


def test_the_resolution_message_carries_the_reporters_link(
    app: Flask, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved", phone="0812 3456 7890")
    resolved = messages_to(complaint)[-1]
    assert "?key=" in resolved
    reporter = app.test_client()
    reporter.get(link_in(resolved))
    assert confirm(reporter, complaint.code, csrf(reporter, complaint.code)) == 302
    assert status_of(complaint) == "closed"


# --- finding 1: a merge never reveals a confidential original ---------------------------


def test_merging_into_a_confidential_complaint_reveals_neither_its_code_nor_its_text(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    secret_text = "Kepala sekolah meminta pungutan liar Rp 500.000 kepada orang tua murid."
    original = make_complaint(
        confidential=True, status="verified", description=secret_text, phone="0812 1111 2222"
    )
    duplicate = make_complaint(status="verified", phone="0813 3333 4444")
    merged = app.test_client().post(
        f"/api/v1/complaints/{duplicate.code}/transitions",
        json={"to": "merged", "duplicate_of": original.code},
        headers=bearer(cast.admin),
    )
    assert merged.status_code == 200, merged.get_data(as_text=True)
    workflow.start_work(original, Actor.staff(cast.officer_a))
    workflow.commit()

    stranger = app.test_client()
    listing = stranger.get("/open311/v2/requests.json").get_data(as_text=True)
    assert duplicate.code not in listing and original.code not in listing
    page = stranger.get(f"/track/{duplicate.code}").get_data(as_text=True)
    assert original.code not in page and "pungutan" not in page
    assert "Laporan gabungan" in page and "sedang ditangani unit" in page
    detail = stranger.get(f"/open311/v2/requests/{duplicate.code}.json").get_data(as_text=True)
    assert original.code not in detail
    told = messages_to(duplicate)
    assert all(original.code not in body and "pungutan" not in body for body in told)
    # The duplicate's reporter follows the original's progress under their own code.
    assert any(duplicate.code in body and "sedang ditangani unit" in body for body in told[-1:])


def test_a_duplicate_of_a_public_complaint_still_points_at_it(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    original = make_complaint(status="verified")
    duplicate = make_complaint(phone="0813 3333 4444")
    workflow.merge_complaint(duplicate, Actor.staff(cast.officer_a), original)
    workflow.commit()
    page = app.test_client().get(f"/track/{duplicate.code}").get_data(as_text=True)
    assert original.code in page
    assert original.code in messages_to(duplicate)[-1]


# --- finding 3: a LAPOR! id tells another unit's officer no code ------------------------


def test_an_officer_of_another_unit_does_not_learn_a_code_through_its_lapor_id(
    app: Flask, cast: Cast
) -> None:
    complaint = submit_complaint(
        channel="lapor",
        category=category("road-damage"),
        description="Diteruskan dari LAPOR: jalan rusak di Kabila.",
        external_id="LPR-2026-77",
        lapor_id="LPR-2026-77",
    ).complaint
    workflow.verify_complaint(complaint, Actor.system("test"))
    workflow.commit()
    assert complaint.unit is not None and complaint.unit.code == "PUPR"
    html = register_lapor_id(signed_in(app, cast.officer_b.email), "LPR-2026-77")
    assert complaint.code not in html
    assert "ID LAPOR! ini sudah tercatat." in html
    # The officer who can see it is told its code.
    assert complaint.code in register_lapor_id(signed_in(app, cast.officer_a.email), "LPR-2026-77")


def register_lapor_id(officer: FlaskClient, lapor_id: str) -> str:
    """Register a LAPOR! complaint at the desk; the page the officer lands on."""
    form = officer.get("/staff/intake").get_data(as_text=True)
    registered = officer.post(
        "/staff/intake",
        data={
            "csrf_token": csrf_token_from(form),
            "channel": "lapor",
            "lapor_id": lapor_id,
            "kind": "complaint",
            "category": "road-damage",
            "description": "Diteruskan dari LAPOR: jalan rusak.",
            "submission_token": f"probe-{id(officer)}",
        },
        follow_redirects=True,
    )
    return registered.get_data(as_text=True)


# --- finding 6: links to citizens come only from PUBLIC_BASE_URL -----------------------


@pytest.mark.parametrize("base", ["https://aduan.test", None])
def test_a_forged_host_header_never_reaches_a_citizens_message(
    app: Flask, app_ctx, base: str | None
) -> None:
    app.config["PUBLIC_BASE_URL"] = base
    app.config["SERVER_NAME"] = None
    response = app.test_client().post(
        "/api/v1/complaints",
        json={**VALID, "phone": "0812 3456 7890"},
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 201
    bodies = list(db.session.scalars(select(OutboundMessage.body)))
    assert bodies and not any("evil.example" in body for body in bodies)
    expected = f"{base or ''}/track/{response.get_json()['code']}?key="
    assert all(expected in body for body in bodies)


@pytest.fixture
def served_without_base(database_url: str) -> Iterator[dict[str, object]]:
    config = {**_test_config(database_url), "PUBLIC_BASE_URL": None}
    yield config


def test_delivering_messages_without_public_base_url_is_refused_at_start(
    served_without_base: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from complaints import jobs

    monkeypatch.setattr(jobs, "scheduler_wanted", lambda app: (True, "serving"))
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app(served_without_base)
    monkeypatch.undo()
    app = create_app({**served_without_base, "ADUAN_SCHEDULER": False})
    result = app.test_cli_runner().invoke(args=["outbox", "drain"])
    assert result.exit_code != 0 and "PUBLIC_BASE_URL" in result.output
    with app.app_context():
        db.engine.dispose()


# --- finding 11: Open311 id lists are capped and counted as code lookups ----------------


def test_open311_id_lists_are_capped(client: FlaskClient, app_ctx) -> None:
    codes = ",".join(f"ADU-0000-{n:04d}" for n in range(21))
    response = client.get(f"/open311/v2/requests.json?service_request_id={codes}")
    assert response.status_code == 400
    assert "paling banyak 20" in response.get_data(as_text=True)


def test_each_open311_id_counts_against_the_daily_lookup_budget(database_url: str) -> None:
    app = create_app(
        {
            **_test_config(database_url),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    codes = ",".join(f"ADU-0000-{n:04d}" for n in range(20))
    url = f"/open311/v2/requests.json?service_request_id={codes}"
    answered = 0
    while client.get(url).status_code == 200:
        answered += 1
        assert answered <= 50
    assert answered == 50  # 50 x 20 ids = the 1,000 lookups of a day
    assert client.get("/track/ADU-0000-0001").status_code == 429
    # Listing without ids reads no code: not counted.
    assert client.get("/open311/v2/requests.json").status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_the_key_is_masked_in_every_log_record(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info(
            '203.0.113.9 - - "GET /track/ADU-7K3Q-9M2X?key=Zm9vYmFyYmF6cXV4cXV1eA HTTP/1.1" 302 -'
        )
    assert "Zm9vYmFyYmF6cXV4cXV1eA" not in caplog.text
    assert "/track/ADU-7K3Q-9M2X?key=[secret]" in caplog.text
