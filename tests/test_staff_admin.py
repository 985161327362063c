"""Admin configuration pages and the supervisors' SLA board, through HTTP."""

from __future__ import annotations

import re
import threading
import time
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from channels import channel_status, sms, telegram
from complaints.extensions import db
from complaints.models import AuditLog, Complaint, Holiday, SlaPolicy, Unit, User
from complaints.staff.admin import CHANNEL_DETAIL_NAMES, CHANNEL_DETAIL_VALUES
from sla.policies import working_calendar
from tests.conftest import Cast, MakeComplaint, category, unit
from tests.staff_helpers import session_csrf, signed_in


def post(client: FlaskClient, url: str, **data: str):
    return client.post(url, data={**data, "csrf_token": session_csrf(client)})


def test_an_admin_adds_a_unit_and_a_category_routed_to_it(app: Flask, cast: Cast) -> None:
    admin = signed_in(app, cast.admin.email)
    setda = unit("SETDA")
    response = post(
        admin,
        "/staff/admin/units/new",
        code="bpbd",
        name="Badan Penanggulangan Bencana Daerah",
        parent=str(setda.id),
        active="y",
    )
    assert response.status_code == 302
    bpbd = unit("BPBD")
    assert bpbd.parent_id == setda.id
    standard = db.session.scalar(select(SlaPolicy).where(SlaPolicy.code == "standard"))
    assert standard is not None
    response = post(
        admin,
        "/staff/admin/categories/new",
        code="disaster",
        name_id="Bencana alam",
        name_en="Natural disaster",
        default_unit=str(bpbd.id),
        sla_policy=str(standard.id),
        default_kind="complaint",
        keywords="banjir longsor gempa",
        sort_order="5",
        active="y",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    disaster = category("disaster")
    assert disaster.default_unit_id == bpbd.id
    # Citizens can now choose it.
    assert "Bencana alam" in app.test_client().get("/complaints/new").get_data(as_text=True)
    actions = db.session.scalars(select(AuditLog.action)).all()
    assert "admin_units_saved" in actions and "admin_categories_saved" in actions


def test_a_duplicate_code_is_refused_with_a_message(app: Flask, cast: Cast) -> None:
    admin = signed_in(app, cast.admin.email)
    response = post(admin, "/staff/admin/units/new", code="PUPR", name="Dua", active="y")
    assert response.status_code == 422
    assert db.session.scalar(select(Unit).where(Unit.name == "Dua")) is None


def test_an_admin_changes_a_policy_and_new_deadlines_follow_it(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    admin = signed_in(app, cast.admin.email)
    policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.code == "standard"))
    assert policy is not None
    response = post(
        admin,
        f"/staff/admin/policies/{policy.id}",
        code="standard",
        name=policy.name,
        verify_days="1",
        response_days="5",
        resolve_days="14",
        urgent_resolve_days="5",
        confirm_days="10",
        reminder_percent="75",
        level2_after_days="3",
        source="Perbup Bone Bolango (contoh)",
    )
    assert response.status_code == 302
    db.session.expire_all()  # the test's own session still holds the old policy
    complaint = make_complaint(category_code="waste")
    # Wednesday 10:00 WITA + 1 working day = Thursday 10:00 WITA.
    assert complaint.verify_due_at is not None
    assert complaint.verify_due_at.isoformat() == "2026-11-26T02:00:00+00:00"


def verify_due(complaint: Complaint) -> str:
    assert complaint.verify_due_at is not None
    return complaint.verify_due_at.isoformat()


def test_a_regional_holiday_moves_new_deadlines_and_its_removal_moves_them_back(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    admin = signed_in(app, cast.admin.email)
    # Wed 10:00 + 3 working days: Monday 30 November 10:00 (and the calendar is now cached).
    assert verify_due(make_complaint(category_code="waste")) == "2026-11-30T02:00:00+00:00"
    response = post(admin, "/staff/admin/holidays", day="2026-11-30", name="Hari Jadi Bone Bolango")
    assert response.status_code == 302
    holiday = db.session.scalar(select(Holiday))
    assert holiday is not None and holiday.name == "Hari Jadi Bone Bolango"
    # The weekend and Monday the 30th are skipped: Tuesday 10:00.
    assert verify_due(make_complaint(category_code="waste")) == "2026-12-01T02:00:00+00:00"
    response = post(admin, f"/staff/admin/holidays/{holiday.id}/delete")
    assert response.status_code == 302
    assert verify_due(make_complaint(category_code="waste")) == "2026-11-30T02:00:00+00:00"


def test_the_holidays_page_lists_national_days_and_warns_on_adding_one(
    app: Flask, cast: Cast
) -> None:
    admin = signed_in(app, cast.admin.email)
    page = admin.get("/staff/admin/holidays").get_data(as_text=True)
    # The clock stands in November 2026: that year's national days, Christmas among them.
    assert "Libur nasional dan cuti bersama tahun 2026" in page
    national = page.split('id="national-holidays"', 1)[1]
    assert "25 Desember 2026" in national and "Hari Raya Natal" in national
    response = post(admin, "/staff/admin/holidays", day="2026-12-25", name="Natal")
    notice = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "sudah hari libur nasional (Hari Raya Natal)" in notice


def test_a_holiday_added_by_another_worker_moves_deadlines_within_a_minute(
    app_ctx: Flask, make_complaint: MakeComplaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Wed 10:00 + 3 working days: Monday 30 November 10:00.
    assert verify_due(make_complaint(category_code="waste")) == "2026-11-30T02:00:00+00:00"
    # A Core INSERT, as another process's ORM write looks to this one.
    db.session.execute(insert(Holiday).values(day=date(2026, 11, 30), name="Hari Jadi"))
    db.session.commit()
    # Intake does not ask the database about holidays on every complaint...
    assert verify_due(make_complaint(category_code="waste")) == "2026-11-30T02:00:00+00:00"
    # ...but a minute later it does, and skips the new holiday.
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert verify_due(make_complaint(category_code="waste")) == "2026-12-01T02:00:00+00:00"


def test_a_holiday_stored_in_this_process_moves_the_next_deadline_at_once(
    app_ctx: Flask, make_complaint: MakeComplaint
) -> None:
    make_complaint(category_code="waste")
    db.session.add(Holiday(day=date(2026, 11, 30), name="Hari Jadi"))
    db.session.commit()
    assert verify_due(make_complaint(category_code="waste")) == "2026-12-01T02:00:00+00:00"


def test_an_admin_creates_an_officer_who_can_sign_in(app: Flask, cast: Cast) -> None:
    admin = signed_in(app, cast.admin.email)
    response = post(
        admin,
        "/staff/admin/users/new",
        email="nurul@bonebolangokab.go.id",
        name="Nurul",
        role="officer",
        unit=str(unit("DINSOS").id),
        phone="0812 7777 8888",
        access="temporary",
        password="sebuah-kata-sandi-panjang",
        active="y",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "nurul@bonebolangokab.go.id"))
    assert user is not None and user.phone == "+6281277778888"
    signed_in(app, "nurul@bonebolangokab.go.id", "sebuah-kata-sandi-panjang")


def test_a_deactivated_user_cannot_sign_in(app: Flask, cast: Cast) -> None:
    cast.officer_b.active = False
    db.session.commit()
    client = app.test_client()
    from tests.conftest import STAFF_PASSWORD, csrf_token_from

    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    response = client.post(
        "/staff/login",
        data={"email": cast.officer_b.email, "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 401


def test_the_admin_page_shows_channel_state_and_the_outbox_backlog(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    make_complaint(phone="0812 3456 7890")
    page = signed_in(app, cast.admin.email).get("/staff/admin/").get_data(as_text=True)
    assert "Telegram" in page and "SMS" in page  # channels by name, not code
    assert "1" in page  # one acknowledgement waits to be sent


def test_the_channel_details_on_the_admin_page_are_in_words(app: Flask, cast: Cast) -> None:
    # Telegram without a webhook secret, SMS without a sender number: the phrases that explain.
    app.config.update(
        TELEGRAM_BOT_TOKEN="123456:test-token",
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="token",
        TWILIO_API_BASE_URL="http://127.0.0.1:9",
    )
    telegram.init_app(app)
    sms.init_app(app)
    admin = signed_in(app, cast.admin.email)
    page = admin.get("/staff/admin/").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Rahasia webhook: belum diatur: webhook menolak setiap pesan" in text
    assert "Nomor pengirim SMS: tidak ada: SMS keluar menunggu" in text
    assert "Nomor pengirim WhatsApp: tidak ada" in text
    for english in ("not set", "polling only", "none", "outbound SMS", "API server", "SMS sender"):
        assert english not in text, english
    english_page = admin.get("/staff/admin/?lang=en").get_data(as_text=True)
    assert "only polling receives them" in english_page

    # Every detail a channel reports has a name, and every fixed phrase a translation:
    # what is left is an address, a host name or a number, shown as it is.
    for status in channel_status(app):
        for key, value in status.items():
            if key in ("channel", "configured"):
                continue
            assert key in CHANNEL_DETAIL_NAMES, key
            shown = str(value)
            assert shown in CHANNEL_DETAIL_VALUES or re.fullmatch(r"[\w.:/+-]+", shown), shown


def test_the_audit_log_shows_a_users_sign_ins_and_a_complaints_history(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    signed_in(app, cast.officer_a.email)
    admin = signed_in(app, cast.admin.email)
    page = admin.get(f"/staff/admin/audit?user={cast.officer_a.id}").get_data(as_text=True)
    assert "Masuk" in page  # the sign-in, in words
    page = admin.get(f"/staff/admin/audit?complaint={complaint.code}").get_data(as_text=True)
    assert complaint.code in page and "Aduan diterima" in page


def test_the_sla_board_lists_overdue_complaints_of_the_supervisors_unit(
    app: Flask, cast: Cast, make_complaint: MakeComplaint, set_now
) -> None:
    late = make_complaint(category_code="road-damage")
    elsewhere = make_complaint(category_code="waste")
    assert late.verify_due_at is not None
    set_now(late.verify_due_at + timedelta(days=2))
    page = signed_in(app, cast.supervisor.email).get("/staff/sla").get_data(as_text=True)
    assert late.code in page
    assert elsewhere.code not in page  # another unit's complaint
    assert (
        db.session.scalar(select(AuditLog.id).where(AuditLog.action == "sla_board_viewed"))
        is not None
    )


def test_a_canned_reply_is_sent_in_the_citizens_language(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    from complaints.models import CannedReply, Message

    admin = signed_in(app, cast.admin.email)
    response = post(
        admin,
        "/staff/admin/canned/new",
        category=str(category("road-damage").id),
        title="Survei dijadwalkan",
        body_id="Petugas akan meninjau lokasi dalam 3 hari kerja.",
        body_en="An officer will inspect the site within 3 working days.",
    )
    assert response.status_code == 302
    canned = db.session.scalars(select(CannedReply)).one()
    complaint = make_complaint(status="verified", locale="en")
    officer = signed_in(app, cast.officer_a.email)
    post(officer, f"/staff/complaints/{complaint.code}/reply", body="", canned=str(canned.id))
    db.session.expire_all()
    bodies = [m.body for m in db.session.scalars(select(Message)).all()]
    assert bodies == ["An officer will inspect the site within 3 working days."]


def test_an_admin_blocks_and_unblocks_a_flooding_number(app: Flask, cast: Cast) -> None:
    from complaints.models import BlockedAddress

    admin = signed_in(app, cast.admin.email)
    response = post(
        admin, "/staff/admin/blocked", channel="sms", address="0812 9999 0000", reason="flood"
    )
    assert response.status_code == 302
    blocked = db.session.scalars(select(BlockedAddress)).one()
    assert blocked.address == "+6281299990000"
    post(admin, f"/staff/admin/blocked/{blocked.id}/remove")
    db.session.expire_all()
    assert db.session.scalars(select(BlockedAddress)).all() == []


def test_staff_set_their_sms_number_and_get_a_telegram_link_code(app: Flask, cast: Cast) -> None:
    app.config["TELEGRAM_BOT_TOKEN"] = "123:ABC"
    client = signed_in(app, cast.officer_a.email)
    assert post(client, "/staff/profile", phone="0813 1234 5678", locale="id").status_code == 302
    page = post(client, "/staff/profile/telegram").get_data(as_text=True)
    code = re.search(r"/link ([0-9A-Z]{4}-[0-9A-Z]{4})", page)
    assert code is not None
    from channels.telegram.linking import link_chat

    user = link_chat(code.group(1), 424242)
    db.session.commit()
    assert user is not None and user.id == cast.officer_a.id
    db.session.expire_all()
    officer = db.session.get(User, cast.officer_a.id)
    assert officer is not None
    assert officer.phone == "+6281312345678" and officer.telegram_chat_id == "424242"


def test_a_rolled_back_holiday_leaves_the_calendar_as_it_was(
    app_ctx: Flask, make_complaint: MakeComplaint
) -> None:
    make_complaint(category_code="waste")
    db.session.add(Holiday(day=date(2026, 11, 30), name="Hari Jadi"))
    db.session.flush()
    # The transaction sees its own holiday...
    assert working_calendar().holiday_name(date(2026, 11, 30)) is not None
    db.session.rollback()
    # ...but once it is rolled back, nobody does.
    assert working_calendar().holiday_name(date(2026, 11, 30)) is None
    assert verify_due(make_complaint(category_code="waste")) == "2026-11-30T02:00:00+00:00"


def test_a_request_racing_a_holiday_commit_cannot_keep_the_old_calendar(
    app_ctx: Flask, make_complaint: MakeComplaint
) -> None:
    make_complaint(category_code="waste")
    db.session.add(Holiday(day=date(2026, 11, 30), name="Hari Jadi"))
    db.session.flush()
    seen_by_the_other_request: list[str | None] = []

    def another_request() -> None:
        with app_ctx.app_context():
            calendar = working_calendar()
            seen_by_the_other_request.append(calendar.holiday_name(date(2026, 11, 30)))

    # Between the admin's flush and commit another request caches the calendar.
    thread = threading.Thread(target=another_request)
    thread.start()
    thread.join(timeout=30)
    assert seen_by_the_other_request == [None]  # not committed: not visible to it
    db.session.commit()
    assert verify_due(make_complaint(category_code="waste")) == "2026-12-01T02:00:00+00:00"
