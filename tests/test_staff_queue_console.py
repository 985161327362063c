"""The queue as a day's work tool: rows a person scans, saved views, bulk actions.

Rows: a masked one-line summary, names instead of codes, the age, the
assignee, the channel, the working hours to the next deadline coloured by
urgency. Views: three built in, and the ones a person saves (theirs only).
Bulk actions run ``workflow`` once per complaint: each gets its own event
and audit entry, a refused one is reported by its code, the rest are done.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditLog, Complaint, ComplaintEvent, SavedView
from tests.conftest import Cast, MakeComplaint, unit
from tests.staff_helpers import session_csrf, signed_in


def row_of(page: str, code: str) -> str:
    """The visible text of the queue row of ``code``."""
    match = re.search(
        rf"<tr>\s*<td class=\"select-cell\">(?:(?!</tr>).)*{code}(?:(?!</tr>).)*</tr>", page, re.S
    )
    assert match is not None, f"no row for {code}"
    text = re.sub(r"<[^>]+>", " ", match.group(0))
    return " ".join(html.unescape(text).split())


def test_a_row_says_what_where_who_and_how_long_in_words(
    app: Flask, cast: Cast, make_complaint: MakeComplaint, set_now
) -> None:
    complaint = make_complaint(
        status="verified",
        description="Lampu jalan di Desa Tupa padam sejak seminggu. Hubungi 0812 3456 7890.",
    )
    complaint.assignee = cast.officer_a
    db.session.commit()
    set_now(complaint.created_at + timedelta(days=3))
    page = signed_in(app, cast.officer_a.email).get("/staff/complaints").get_data(as_text=True)
    row = row_of(page, complaint.code)
    assert "Lampu jalan di Desa Tupa padam" in row
    assert "0812" not in row and "[…]" in row  # the phone number is masked in the list
    assert "Jalan dan jembatan rusak" in row and "Dinas Pekerjaan Umum dan Penataan Ruang" in row
    assert "Terverifikasi, di unit" in row
    assert "3 hari" in row
    # No name set: the e-mail's local part stands for the person, not the whole address.
    assert " alice " in row and cast.officer_a.email not in row
    assert "Formulir daring" in row  # the channel icon's label
    assert re.search(r"sisa \d+ jam kerja", row)
    assert "Tanggapan pertama paling lambat" in row


def test_the_next_deadline_is_coloured_when_at_risk_and_when_overdue(
    app: Flask, cast: Cast, make_complaint: MakeComplaint, set_now
) -> None:
    complaint = make_complaint()
    assert complaint.verify_due_at is not None
    officer = signed_in(app, cast.admin.email)
    set_now(complaint.verify_due_at - timedelta(hours=3))
    page = officer.get("/staff/complaints").get_data(as_text=True)
    assert 'class="due-soon"' in page and "due-overdue" not in page
    set_now(complaint.verify_due_at + timedelta(days=1))
    page = officer.get("/staff/complaints").get_data(as_text=True)
    assert 'class="due-overdue"' in page
    assert re.search(r"lewat \d+ jam kerja", row_of(page, complaint.code))
    assert "Verifikasi paling lambat" in row_of(page, complaint.code)


def test_the_built_in_views_are_links_that_filter(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    mine = make_complaint(status="verified")
    mine.assignee = cast.officer_a
    waiting = make_complaint()
    db.session.commit()
    officer = signed_in(app, cast.officer_a.email)
    page = officer.get("/staff/complaints").get_data(as_text=True)
    for name in ("Milik saya", "Belum diverifikasi", "Lewat tenggat"):
        assert name in page
    page = officer.get("/staff/complaints?assignee=me&status=open").get_data(as_text=True)
    assert mine.code in page and waiting.code not in page
    assert re.search(
        r'aria-current="page" href="[^"]*status=open&amp;assignee=me">Milik saya', page
    )


def save(client: FlaskClient, name: str, query: str) -> str:
    response = client.post(
        "/staff/complaints/views",
        data={"name": name, "query": query, "csrf_token": session_csrf(client)},
    )
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_saved_view_is_listed_for_its_owner_only_and_can_be_deleted(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    waste = make_complaint(category_code="waste")
    road = make_complaint(category_code="road-damage")
    officer = signed_in(app, cast.admin.email)
    category_id = waste.category_id
    page = save(officer, "Sampah", f"category={category_id}&after=CURSOR&evil=1")
    assert "Tampilan “Sampah” disimpan." in page
    view = db.session.scalar(select(SavedView).where(SavedView.name == "Sampah"))
    assert view is not None and view.query == f"category={category_id}"  # no cursor, no junk
    page = officer.get("/staff/complaints").get_data(as_text=True)
    link = re.search(r'href="([^"]+)">Sampah</a>', page)
    assert link is not None
    filtered = officer.get(html.unescape(link.group(1))).get_data(as_text=True)
    assert waste.code in filtered and road.code not in filtered
    # Another person neither sees nor deletes it.
    other = signed_in(app, cast.supervisor.email)
    assert ">Sampah</a>" not in other.get("/staff/complaints").get_data(as_text=True)
    token = session_csrf(other)
    response = other.post(f"/staff/complaints/views/{view.id}/delete", data={"csrf_token": token})
    assert response.status_code == 404
    response = officer.post(
        f"/staff/complaints/views/{view.id}/delete", data={"csrf_token": session_csrf(officer)}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(SavedView).where(SavedView.id == view.id)) is None


def test_the_same_view_name_twice_is_refused_with_a_message(app: Flask, cast: Cast) -> None:
    officer = signed_in(app, cast.officer_a.email)
    save(officer, "Jalan", "status=received")
    page = save(officer, "Jalan", "status=verified")
    assert "Anda sudah punya tampilan dengan nama itu." in page


def bulk(client: FlaskClient, codes: list[str], action: str, reason: str = "") -> str:
    response = client.post(
        "/staff/complaints/bulk",
        data={
            "code": codes,
            "action": action,
            "reason": reason,
            "csrf_token": session_csrf(client),
        },
    )
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def events(complaint: Complaint, kind: str) -> list[ComplaintEvent]:
    return list(
        db.session.scalars(
            select(ComplaintEvent).where(
                ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind == kind
            )
        )
    )


def test_bulk_assignment_gives_each_complaint_its_own_event_and_reports_refusals(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    handled = [make_complaint(status="verified") for _ in range(3)]
    finished = make_complaint(status="closed")
    elsewhere = make_complaint(status="verified", category_code="waste")  # unit DLH
    codes = [complaint.code for complaint in (*handled, finished, elsewhere)]
    supervisor = signed_in(app, cast.admin.email)
    page = bulk(supervisor, codes, f"assign:{cast.officer_a.id}")
    db.session.expire_all()
    for complaint in handled:
        assert complaint.assignee_id == cast.officer_a.id
        assert len(events(complaint, "assign")) == 1
    assert finished.assignee_id is None and elsewhere.assignee_id is None
    assert "Selesai untuk 3 aduan" in page
    assert f"{finished.code} tidak diubah" in page
    assert f"{elsewhere.code} tidak diubah" in page and "bekerja di unit lain" in page
    audited = db.session.scalars(select(AuditLog).where(AuditLog.action == "bulk_assign")).all()
    assert sorted(entry.target_id for entry in audited) == sorted(c.id for c in handled)


def test_bulk_routing_verifies_waiting_complaints_and_moves_verified_ones_with_a_reason(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    waiting = [make_complaint(), make_complaint()]
    started = make_complaint(status="in_progress")
    finished = make_complaint(status="resolved")
    dlh = unit("DLH")
    admin = signed_in(app, cast.admin.email)
    page = bulk(admin, [c.code for c in (*waiting, started)], f"route:{dlh.id}")
    db.session.expire_all()
    for complaint in waiting:
        assert complaint.status == "verified" and complaint.unit_id == dlh.id
    # A verified complaint moves only with a reason.
    assert started.unit_id != dlh.id
    assert f"{started.code} tidak diubah: Tuliskan alasan" in page
    page = bulk(admin, [started.code, finished.code], f"route:{dlh.id}", "Semua soal sampah.")
    db.session.expire_all()
    assert started.unit_id == dlh.id and started.status == "in_progress"
    [moved] = events(started, "reroute")
    assert moved.note == "Semua soal sampah." and moved.actor_user_id == cast.admin.id
    assert finished.unit_id != dlh.id and f"{finished.code} tidak diubah" in page


def test_bulk_priority_and_an_officer_cannot_touch_another_units_complaint(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    own = make_complaint(status="verified")
    other_unit = make_complaint(status="verified", category_code="waste")
    page = bulk(
        signed_in(app, cast.officer_a.email), [own.code, other_unit.code], "priority:urgent"
    )
    db.session.expire_all()
    assert own.priority == "urgent" and other_unit.priority == "normal"
    assert len(events(own, "priority")) == 1 and not events(other_unit, "priority")
    assert f"{other_unit.code} tidak diubah: Tidak ditemukan." in page


def test_bulk_without_a_tick_or_an_action_changes_nothing(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")
    client = signed_in(app, cast.admin.email)
    page = bulk(client, [], "priority:urgent")
    assert "Centang setidaknya satu aduan" in page
    bulk(client, [complaint.code], "")
    db.session.expire_all()
    assert complaint.priority == "normal"


def test_bulk_routing_names_per_complaint_why_it_stayed(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    finished = make_complaint(status="resolved")
    there = make_complaint(status="verified", category_code="waste")  # already with DLH
    dlh = unit("DLH")
    admin = signed_in(app, cast.admin.email)
    page = bulk(admin, [finished.code, there.code], f"route:{dlh.id}")
    # The status is judged before the missing reason; the reason before the unit.
    assert f"{finished.code} tidak diubah: Hanya aduan yang belum selesai" in page
    assert f"{there.code} tidak diubah: Tuliskan alasan" in page
    page = bulk(admin, [finished.code, there.code], f"route:{dlh.id}", "Sampah.")
    assert f"{finished.code} tidak diubah: Hanya aduan yang belum selesai" in page
    assert f"{there.code} tidak diubah: Aduan ini sudah berada di instansi tersebut." in page
    assert events(finished, "reroute") == [] and events(there, "reroute") == []
