"""Someone else has it open: the complaint page warns, and its poll says what changed.

Opening the page records the viewer (one row per complaint and person,
moved forward each time); another staff member seen within ten minutes is
named on the page as it loads (no JavaScript needed). The page's poll keeps
the viewer's row fresh and says who changed the complaint since the page
was loaded. Access as the page's own: outside reach is 404.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from complaints import workflow
from complaints.extensions import db
from complaints.models import Complaint, ComplaintView
from complaints.workflow import Actor
from tests.conftest import DEFAULT_NOW, Cast, MakeComplaint
from tests.staff_helpers import session_csrf, signed_in


def poll(client: FlaskClient, complaint: Complaint, version: int) -> dict[str, object]:
    response = client.post(
        f"/staff/complaints/{complaint.code}/presence",
        json={"version": str(version)},
        headers={"X-CSRFToken": session_csrf(client)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    answer = response.get_json()
    assert isinstance(answer, dict)
    return answer


def test_the_page_names_whoever_else_has_it_open_and_the_poll_says_who_changed_it(
    app: Flask, cast: Cast, make_complaint: MakeComplaint, set_now
) -> None:
    complaint = make_complaint(status="verified")
    alice = signed_in(app, cast.officer_a.email)
    charlie = signed_in(app, cast.supervisor.email)
    url = f"/staff/complaints/{complaint.code}"
    first = alice.get(url).get_data(as_text=True)
    assert "juga sedang membuka aduan ini" not in first  # nobody else yet
    version = complaint.version

    set_now(DEFAULT_NOW + timedelta(minutes=2))
    page = charlie.get(url).get_data(as_text=True)
    assert "alice juga sedang membuka aduan ini (terlihat pukul 10.00 WITA)." in page
    # Alice's page asks again: Charlie is there, nothing changed yet.
    answer = poll(alice, complaint, version)
    assert answer["others"] == [
        "charlie juga sedang membuka aduan ini (terlihat pukul 10.02 WITA)."
    ]
    assert answer["changed"] is None

    set_now(DEFAULT_NOW + timedelta(minutes=5))
    workflow.start_work(complaint, Actor.staff(cast.supervisor))
    workflow.commit()
    answer = poll(alice, complaint, version)
    assert answer["changed"] == "Aduan ini diubah oleh charlie pukul 10.05 WITA."
    assert answer["reload"] == "Muat ulang"

    # One row per person, however often they come back.
    rows = db.session.scalar(
        select(func.count())
        .select_from(ComplaintView)
        .where(ComplaintView.complaint_id == complaint.id)
    )
    assert rows == 2

    # Charlie closed the page long ago: no warning for Alice any more.
    set_now(DEFAULT_NOW + timedelta(minutes=20))
    page = alice.get(url).get_data(as_text=True)
    assert "juga sedang membuka aduan ini" not in page


def test_the_poll_is_only_for_those_who_may_see_the_complaint(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")  # with PUPR
    bob = signed_in(app, cast.officer_b.email)  # DLH
    response = bob.post(
        f"/staff/complaints/{complaint.code}/presence",
        json={"version": "1"},
        headers={"X-CSRFToken": session_csrf(bob)},
    )
    assert response.status_code == 404
    anonymous = app.test_client().post(f"/staff/complaints/{complaint.code}/presence", json={})
    assert anonymous.status_code in (302, 400, 401)
    assert db.session.scalar(select(func.count()).select_from(ComplaintView)) == 0
