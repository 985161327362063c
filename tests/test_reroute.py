"""Moving a verified complaint to another unit: one workflow move, offered on the page.

The move keeps the status and every deadline (the citizen's clock keeps
running), clears an assignee of the old unit, and writes its own event that
the timeline reads as "Dialihkan dari … ke … oleh …: alasan". An officer who
moved a complaint out of their unit lands on the queue, told what happened.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from complaints import workflow
from complaints.errors import DomainError, ValidationFailed
from complaints.extensions import db
from complaints.models import AuditLog, ComplaintEvent
from complaints.workflow import Actor
from tests.api_helpers import bearer
from tests.conftest import Cast, MakeComplaint, unit
from tests.staff_helpers import session_csrf, signed_in

PUPR = "Dinas Pekerjaan Umum dan Penataan Ruang"


def test_a_move_changes_the_unit_and_nothing_of_the_deadlines(
    cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="in_progress")
    complaint.assignee = cast.officer_a
    workflow.commit()
    deadlines = (
        complaint.response_due_at,
        complaint.resolve_due_at,
        complaint.next_action_at,
        complaint.verified_at,
    )
    dlh = unit("DLH")
    event = workflow.reroute_complaint(
        complaint, dlh, Actor.staff(cast.officer_a), "Sampah, bukan jalan."
    )
    workflow.commit()
    db.session.expire_all()
    assert complaint.unit_id == dlh.id and complaint.status == "in_progress"
    assert complaint.assignee_id is None  # Alice works in PUPR
    after = (
        complaint.response_due_at,
        complaint.resolve_due_at,
        complaint.next_action_at,
        complaint.verified_at,
    )
    assert after == deadlines
    assert event.kind == "reroute" and event.note == "Sampah, bukan jalan." and not event.public
    assert event.data == {"from": unit("PUPR").id, "to": dlh.id, "unassigned": cast.officer_a.id}


def test_an_assignee_of_the_new_unit_keeps_the_complaint(
    cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified", category_code="waste")  # with DLH
    complaint.assignee = cast.officer_a  # of PUPR, assigned by hand before the move
    workflow.commit()
    workflow.reroute_complaint(complaint, unit("PUPR"), Actor.staff(cast.admin), "Jalan.")
    workflow.commit()
    assert complaint.assignee_id == cast.officer_a.id


@pytest.mark.parametrize("status", ["received", "resolved", "closed", "rejected"])
def test_only_a_verified_or_started_complaint_can_be_moved(
    cast: Cast, make_complaint: MakeComplaint, status: str
) -> None:
    complaint = make_complaint(status=status)
    with pytest.raises(DomainError):
        workflow.reroute_complaint(complaint, unit("DLH"), Actor.staff(cast.admin), "Salah unit.")


def test_a_move_needs_another_unit_and_a_reason(cast: Cast, make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="verified")
    actor = Actor.staff(cast.admin)
    with pytest.raises(ValidationFailed) as same:
        workflow.reroute_complaint(complaint, complaint.unit, actor, "Salah unit.")
    assert "unit" in same.value.fields
    with pytest.raises(ValidationFailed) as silent:
        workflow.reroute_complaint(complaint, unit("DLH"), actor, "  ")
    assert "reason" in silent.value.fields


def test_an_officer_moves_a_complaint_from_the_page_and_lands_on_the_queue(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")
    officer = signed_in(app, cast.officer_a.email)
    page = officer.get(f"/staff/complaints/{complaint.code}").get_data(as_text=True)
    assert "Alihkan ke instansi lain" in page
    assert f'action="/staff/complaints/{complaint.code}/reroute"' in page
    dlh = unit("DLH")
    response = officer.post(
        f"/staff/complaints/{complaint.code}/reroute",
        data={
            "csrf_token": session_csrf(officer),
            "version": str(complaint.version),
            "target_unit": str(dlh.id),
            "reason": "Tumpukan sampah, bukan jalan rusak.",
        },
    )
    # Alice (PUPR) no longer sees it: the queue tells her where it went.
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/staff/complaints"
    )
    queue = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Dialihkan dari {PUPR} ke Dinas Lingkungan Hidup." in queue
    assert officer.get(f"/staff/complaints/{complaint.code}").status_code == 404
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "reroute"))

    page = signed_in(app, cast.admin.email).get(f"/staff/complaints/{complaint.code}")
    text = " ".join(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)).split())
    # The verification still names the unit it routed to then.
    assert f"Diverifikasi dan diteruskan ke {PUPR}" in text
    assert (
        f"Dialihkan dari {PUPR} ke Dinas Lingkungan Hidup oleh alice:"
        " Tumpukan sampah, bukan jalan rusak." in text
    )


def test_a_move_without_a_reason_is_refused_on_the_page(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="in_progress")
    officer = signed_in(app, cast.officer_a.email)
    response = officer.post(
        f"/staff/complaints/{complaint.code}/reroute",
        data={"csrf_token": session_csrf(officer), "target_unit": str(unit("DLH").id)},
    )
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tuliskan mengapa aduan ini dialihkan ke instansi lain." in page
    db.session.expire_all()
    assert complaint.unit_id == unit("PUPR").id
    assert not db.session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.kind == "reroute")
    ).all()


def test_the_api_moves_a_complaint_with_its_own_status_and_a_unit(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")
    url = f"/api/v1/complaints/{complaint.code}/transitions"
    client = app.test_client()
    headers = bearer(cast.admin)
    # The contract is unchanged: the status it has, without a unit, is no move (409).
    refused = client.post(url, json={"to": "verified"}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["allowed"]
    silent = client.post(url, json={"to": "verified", "unit": "DLH"}, headers=headers)
    assert silent.status_code == 422 and "reason" in silent.get_json()["error"]["fields"]
    moved = client.post(
        url,
        json={
            "to": "verified",
            "unit": "DLH",
            "reason": "Sampah liar, bukan jalan.",
            "assignee": cast.officer_b.email,
        },
        headers=headers,
    )
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert body["status"] == "verified" and body["unit"] == "DLH"
    assert body["events"][-2]["kind"] == "reroute" and body["events"][-1]["kind"] == "assign"
    db.session.expire_all()
    assert complaint.assignee_id == cast.officer_b.id
