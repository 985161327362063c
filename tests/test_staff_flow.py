"""The whole handling flow through HTTP, as an officer and a citizen would do it."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Complaint, OutboundMessage, User
from tests.conftest import (
    STAFF_PASSWORD,
    Cast,
    MakeComplaint,
    csrf_token_from,
    open_as_reporter,
    unit,
)
from tests.staff_helpers import session_csrf, signed_in


def act(client: FlaskClient, complaint: Complaint, action: str, **data: str) -> str:
    token = session_csrf(client)
    response = client.post(
        f"/staff/complaints/{complaint.code}/{action}", data={**data, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_an_officer_takes_a_complaint_from_received_to_closed(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(phone="0812 1111 2222", name="Rahmat Hulalata")
    officer = signed_in(app, cast.officer_a.email)

    queue = officer.get("/staff/complaints").get_data(as_text=True)
    assert complaint.code in queue

    pupr = unit("PUPR")
    category_id = str(complaint.category_id)
    act(officer, complaint, "verify", unit=str(pupr.id), category=category_id, kind="complaint")
    act(officer, complaint, "assign", assignee=str(cast.officer_a.id))
    act(officer, complaint, "start", body="Survei lokasi dijadwalkan.")
    act(officer, complaint, "reply", body="Tim kami akan datang hari Kamis.")
    act(officer, complaint, "note", body="Gunakan anggaran pemeliharaan rutin.")
    page = act(officer, complaint, "resolve", body="Lubang sudah ditambal pada 26 November.")
    assert "resolved" in page

    db.session.expire_all()
    assert complaint.status == "resolved" and complaint.assignee_id == cast.officer_a.id
    kinds = [(event.kind, event.to_status, event.actor_user_id) for event in complaint.events]
    officer_id = cast.officer_a.id
    assert kinds == [
        ("status", "received", None),
        ("status", "verified", officer_id),
        ("assign", None, officer_id),
        ("status", "in_progress", officer_id),
        ("reply", None, officer_id),
        ("note", None, officer_id),
        ("status", "resolved", officer_id),
    ]
    # The citizen was told each step on their channel (SMS here), never the internal note.
    bodies = db.session.scalars(
        select(OutboundMessage.body).where(OutboundMessage.complaint_id == complaint.id)
    ).all()
    assert any("Tim kami akan datang hari Kamis." in body for body in bodies)
    assert not any("anggaran" in body for body in bodies)
    assert len(bodies) == 5  # received, verified, in progress, reply, resolved

    # The citizen opens the link of the "resolved" SMS: it carries their reporter key.
    resolved_sms = next(body for body in bodies if "?key=" in body and "/track/" in body)
    link = resolved_sms[resolved_sms.index("https://aduan.test/") :].split()[0]
    citizen = app.test_client()
    assert citizen.get(link.removeprefix("https://aduan.test")).status_code == 302
    tracking = citizen.get(f"/track/{complaint.code}").get_data(as_text=True)
    assert "Tim kami akan datang hari Kamis." in tracking
    assert "Lubang sudah ditambal" in tracking
    assert "anggaran" not in tracking
    token = csrf_token_from(tracking)
    confirmed = citizen.post(
        f"/track/{complaint.code}/confirm", data={"decision": "confirm", "csrf_token": token}
    )
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    db.session.expire_all()
    assert complaint.status == "closed"
    staff_page = officer.get(f"/staff/complaints/{complaint.code}").get_data(as_text=True)
    assert "Ditutup: warga menyatakan sudah teratasi" in staff_page


def test_an_officer_rejects_with_a_reason_the_citizen_reads(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    officer = signed_in(app, cast.officer_a.email)
    act(officer, complaint, "reject", body="Jalan nasional, wewenang BPJN.")
    db.session.expire_all()
    assert complaint.status == "rejected"
    tracking = app.test_client().get(f"/track/{complaint.code}").get_data(as_text=True)
    assert "Jalan nasional, wewenang BPJN." in tracking


def test_rejecting_without_a_reason_is_refused(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    officer = signed_in(app, cast.officer_a.email)
    page = act(officer, complaint, "reject", body="")
    db.session.expire_all()
    assert complaint.status == "received"
    assert "notice-danger" in page


def test_an_officer_merges_a_duplicate_suggested_by_the_page(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    original = make_complaint(description="Jalan Desa Tunggulo berlubang di dekat jembatan.")
    duplicate = make_complaint(description="Ada lubang besar di jalan Desa Tunggulo.")
    officer = signed_in(app, cast.officer_a.email)
    page = officer.get(f"/staff/complaints/{duplicate.code}").get_data(as_text=True)
    assert original.code in page  # listed as a likely duplicate
    act(officer, duplicate, "merge", duplicate_of=original.code.lower())
    db.session.expire_all()
    assert duplicate.status == "merged" and duplicate.duplicate_of_id == original.id
    tracking = app.test_client().get(f"/track/{duplicate.code}").get_data(as_text=True)
    assert original.code in tracking


def test_the_citizen_reopens_and_the_officer_sees_it_back(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved")
    citizen = app.test_client()
    open_as_reporter(citizen, complaint.code)
    token = csrf_token_from(citizen.get(f"/track/{complaint.code}").get_data(as_text=True))
    citizen.post(
        f"/track/{complaint.code}/confirm",
        data={"decision": "reopen", "reason": "Tambalan sudah rusak lagi", "csrf_token": token},
    )
    officer = signed_in(app, cast.officer_a.email)
    page = officer.get(f"/staff/complaints/{complaint.code}").get_data(as_text=True)
    assert "Dibuka kembali" in page and "Tambalan sudah rusak lagi" in page


def test_every_staff_post_needs_a_csrf_token(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    officer = signed_in(app, cast.officer_a.email)
    for action in ("verify", "assign", "start", "reply", "note", "resolve", "reject", "merge"):
        response = officer.post(f"/staff/complaints/{complaint.code}/{action}", data={"body": "x"})
        assert response.status_code == 400
    db.session.expire_all()
    assert complaint.status == "received" and len(complaint.events) == 1
    assert officer.post("/staff/logout").status_code == 400


def test_a_confidential_reporter_is_hidden_outside_the_unit(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(
        phone="0813 5555 6666", name="Yusuf Mooduto", confidential=True, category_code="waste"
    )
    # A front-office style supervisor of another unit: the PUPR supervisor cannot see DLH
    # complaints at all; the admin sees everything; DLH's officer sees the reporter.
    dlh_officer = signed_in(app, cast.officer_b.email)
    assert "Yusuf Mooduto" in dlh_officer.get(f"/staff/complaints/{complaint.code}").get_data(
        as_text=True
    )
    supervisor = signed_in(app, cast.supervisor.email)
    assert supervisor.get(f"/staff/complaints/{complaint.code}").status_code == 404


def test_an_anonymous_reporter_is_seen_by_admins_only(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(phone="0813 5555 6666", name="Yusuf Mooduto", anonymous=True)
    for user, visible in ((cast.officer_a, False), (cast.supervisor, False), (cast.admin, True)):
        page = signed_in(app, user.email).get(f"/staff/complaints/{complaint.code}")
        assert ("Yusuf Mooduto" in page.get_data(as_text=True)) is visible, user.email


def test_staff_change_their_password(app: Flask, cast: Cast) -> None:
    client = signed_in(app, cast.officer_b.email)
    token = session_csrf(client)
    response = client.post(
        "/staff/password",
        data={
            "current": STAFF_PASSWORD,
            "new": "a-much-longer-passphrase",
            "repeat": "a-much-longer-passphrase",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    signed_in(app, cast.officer_b.email, "a-much-longer-passphrase")
    user = db.session.get(User, cast.officer_b.id)
    assert user is not None and user.password_hash.startswith("$argon2id$")


def test_an_assignment_reaches_the_officer_in_the_app_and_by_sms(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    from complaints.models import Notification

    cast.officer_a.phone = "+6281311112222"
    db.session.commit()
    complaint = make_complaint(status="verified")
    supervisor = signed_in(app, cast.supervisor.email)
    act(supervisor, complaint, "assign", assignee=str(cast.officer_a.id))
    notices = db.session.scalars(
        select(Notification).where(Notification.user_id == cast.officer_a.id)
    ).all()
    assert [n.kind for n in notices] == ["assignment"]
    assert complaint.code in notices[0].body
    sms = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.user_id == cast.officer_a.id)
    ).all()
    assert [(m.channel, m.address) for m in sms] == [("sms", "+6281311112222")]
