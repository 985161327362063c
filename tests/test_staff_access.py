"""The access matrix: every staff route × every role, generated from the URL map.

A new /staff route without an entry in RULES fails this test.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask import Flask
from PIL import Image

from complaints.attachments import NewAttachment
from complaints.auth import issue_password_reset
from complaints.extensions import db
from complaints.models import (
    AssessmentDocument,
    BlockedAddress,
    Holiday,
    Notification,
    OutboundMessage,
    SavedView,
)
from tests.conftest import Cast, MakeComplaint, csrf_token_from
from tests.staff_helpers import session_csrf, signed_in

ROLES = ["anonymous", "officer_a", "officer_b", "supervisor", "admin"]
ALL_STAFF = {"officer_a", "officer_b", "supervisor", "admin"}
UNIT_A = {"officer_a", "supervisor", "admin"}  # the complaint belongs to unit A (PUPR)
SUPERVISORS = {"supervisor", "admin"}
ADMINS = {"admin"}

# endpoint -> roles allowed. Everyone else: anonymous is sent to the login page,
# staff without access get 404 (no oracle for codes outside their reach) or 403.
RULES: dict[str, set[str]] = {
    "staff.login": set(ROLES),
    "staff.login_code": set(ROLES),  # without a pending sign-in: back to the sign-in page
    "staff.reset_password": set(ROLES),  # the one-time link is the credential
    "staff.accept_invitation": set(ROLES),  # likewise (a reset token: sent to its own page)
    "staff.request_password_reset": set(ROLES),  # asking for a link by e-mail
    "staff.logout": ALL_STAFF,
    "staff.password": ALL_STAFF,
    "staff.home": ALL_STAFF,
    "staff.queue_view": ALL_STAFF,
    "staff.save_view": ALL_STAFF,
    "staff.delete_view": ALL_STAFF,  # their own views only (another's: 404)
    "staff.bulk": ALL_STAFF,  # each complaint checked as its own page is
    "staff.notifications": ALL_STAFF,
    "staff.notification_read": ALL_STAFF,
    "staff.complaint_view": UNIT_A,
    "staff.attachment": UNIT_A,
    "staff.verify": UNIT_A,
    "staff.assign": UNIT_A,
    "staff.start": UNIT_A,
    "staff.reply": UNIT_A,
    "staff.note": UNIT_A,
    "staff.resolve": UNIT_A,
    "staff.reject": UNIT_A,
    "staff.merge": UNIT_A,
    "staff.priority": UNIT_A,
    "staff.reroute": UNIT_A,
    "staff.complaint_presence": UNIT_A,
    "staff.sla_board": SUPERVISORS,
    "staff.admin_home": ADMINS,
    "staff.admin_list": ADMINS,
    "staff.admin_edit": ADMINS,
    "staff.admin_holidays": ADMINS,
    "staff.admin_holiday_delete": ADMINS,
    "staff.admin_outbox_retry": ADMINS,
    "staff.admin_audit": ADMINS,
    "staff.admin_blocked": ADMINS,
    "staff.admin_unblock": ADMINS,
    "staff.admin_erase_reporter": ADMINS,
    "staff.profile": ALL_STAFF,
    "staff.profile_telegram_code": ALL_STAFF,
    "staff.profile_telegram_unlink": ALL_STAFF,
    "staff.two_step_setup": ALL_STAFF,
    "staff.two_step_off": ALL_STAFF,
    "staff.admin_reset_link": ADMINS,
    "staff.admin_two_step_off": ADMINS,
    "staff.admin_invitation": ADMINS,
    "staff.admin_letterhead": ADMINS,
    "staff.admin_routing": ADMINS,
    "staff.admin_routing_train": ADMINS,
    "reports.dashboard": SUPERVISORS,
    "reports.evidence": SUPERVISORS,
    "reports.dossier_page": SUPERVISORS,  # the form, and an issued dossier's print page
    "reports.dossier_issue": SUPERVISORS,
    "reports.dossier_pdf": SUPERVISORS,
    "reports.skm_report": SUPERVISORS,
    "reports.skm_follow_up": SUPERVISORS,  # without an element: nothing saved
    "reports.skm_pdf": SUPERVISORS,
    "reports.skm_xlsx": SUPERVISORS,
    "reports.figures_csv": SUPERVISORS,
    "reports.complaints_csv": SUPERVISORS,
    "reports.complaints_xlsx": SUPERVISORS,
    "reports.workbook": SUPERVISORS,
    "reports.refresh": SUPERVISORS,
    "reports.intake": ALL_STAFF,
    "reports.lapor_import": SUPERVISORS,  # and officers of a front-office unit
    "assessment_documents.register": SUPERVISORS,
    "assessment_documents.upload": SUPERVISORS,
    "assessment_documents.download": SUPERVISORS,  # a document of unit A
    "assessment_documents.delete": SUPERVISORS,  # without the confirmation: nothing deleted
}
# Open without signing in (everything else sends the anonymous to the sign-in page).
PUBLIC = {
    "staff.login",
    "staff.reset_password",
    "staff.accept_invitation",
    "staff.request_password_reset",
}


def staff_routes(app: Flask) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule.rule))
    return routes


def test_every_staff_route_has_an_access_rule(app: Flask) -> None:
    missing = {endpoint for endpoint, _, _ in staff_routes(app)} - set(RULES)
    assert not missing, f"routes without an access rule: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_the_access_matrix(
    app: Flask, cast: Cast, make_complaint: MakeComplaint, role: str
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    complaint = make_complaint(
        category_code="road-damage", photos=[NewAttachment("a.png", buffer.getvalue())]
    )
    person = getattr(cast, role, None)
    notification_owner = person or cast.admin
    notice = Notification(user_id=notification_owner.id, kind="test", body="x")
    holiday = Holiday(day=date(2026, 12, 4), name="Hari jadi")
    message = OutboundMessage(key="k", channel="sms", address="+62812", body="x", status="failed")
    blocked = BlockedAddress(channel="sms", address="+6281299990000", reason="flood")
    view = SavedView(user_id=notification_owner.id, name="Jalan", query="category=1")
    document = AssessmentDocument(
        kind="sop",
        title="SOP pengelolaan pengaduan",
        document_date=date(2026, 1, 5),
        unit_id=complaint.unit_id,
        filename="sop.pdf",
        content_type="application/pdf",
        size=5,
        sha256="0" * 64,
        content=b"%PDF-",
    )
    db.session.add_all([notice, holiday, message, blocked, view, document])
    reset_token = issue_password_reset(cast.supervisor)
    db.session.commit()
    values = {
        "code": complaint.code,
        "attachment_id": complaint.attachments[0].id,
        "notification_id": notice.id,
        "section_name": "units",
        "item_id": complaint.unit_id,
        "holiday_id": holiday.id,
        "message_id": message.id,
        "blocked_id": blocked.id,
        "view_id": view.id,
        "token": reset_token,
        "user_id": cast.officer_b.id,
        "document_id": document.id,
    }
    client = signed_in(app, person.email) if person else app.test_client()
    if person:
        token = session_csrf(client)
    else:
        token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))

    failures = []
    for endpoint, method, rule in staff_routes(app):
        if endpoint == "staff.logout":
            continue  # signing out mid-matrix would log the client out; tested separately
        url = rule
        for name, value in values.items():
            url = url.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        allowed = role in RULES[endpoint]
        location = response.headers.get("Location", "")
        if role == "anonymous" and endpoint not in PUBLIC:
            ok = response.status_code == 302 and "/staff/login" in location
        elif allowed:
            ok = response.status_code < 500 and response.status_code not in (401, 403, 404)
            ok = ok and "/staff/login" not in location
        else:
            ok = response.status_code in (403, 404)
        if not ok:
            failures.append(f"{role} {method} {url} -> {response.status_code} {location}")
    assert not failures, "\n".join(failures)


def test_logout_ends_the_session(app: Flask, cast: Cast) -> None:
    client = signed_in(app, cast.officer_a.email)
    token = session_csrf(client)
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    assert "/staff/login" in client.get("/staff/complaints").headers["Location"]
