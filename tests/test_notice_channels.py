"""Notices go where their reader can be reached (issue 22): SLA escalations on the channels
each staff member chose, password-reset and invitation links by e-mail, supporters and
reporters of merged complaints on their own channel, and the tracking page saying which.

Mail leaves through the real smtplib to aiosmtpd on 127.0.0.1; WhatsApp through httpx to a
fake Graph API.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import outbox, workflow
from complaints.extensions import db
from complaints.intake import Contact
from complaints.models import AuditLog, Complaint, Notification, OutboundMessage, User
from complaints.support import add_supporter
from complaints.workflow import Actor
from sla.sweep import sweep
from tests.conftest import Cast, MakeComplaint, csrf_token_from, open_as_reporter, visible_text
from tests.fakes.mail_servers import FakeSmtpServer
from tests.fakes.whatsapp_api import FakeGraphApi, message, notification
from tests.mail_helpers import (  # noqa: F401 -- fixtures
    link_in,
    mail_on,
    parts,
    smtp_fixture,
    smtp_server_fixture,
)
from tests.staff_helpers import signed_in

WITA = ZoneInfo("Asia/Makassar")
# The suite's complaint, received Wed 25 Nov 2026 10:00 WITA, is due for verification here.
VERIFY_DUE = datetime(2026, 11, 30, 10, 0, tzinfo=WITA)
NEW_PASSWORD = "kata-sandi-baru-789"
SUPPORTER_MAIL = "rina.pendukung@gmail.com"
REPORTER_MAIL = "rahmat.pelapor@gmail.com"


@pytest.fixture
def app(app: Flask, smtp: FakeSmtpServer) -> Flask:
    """conftest's app with outbound mail on, to the fake SMTP server."""
    return mail_on(app, smtp)


def copies_for(user: User) -> list[tuple[str, str, str]]:
    """(channel, address, key) of every outbox message to ``user``."""
    rows = db.session.execute(
        select(OutboundMessage.channel, OutboundMessage.address, OutboundMessage.key)
        .where(OutboundMessage.user_id == user.id)
        .order_by(OutboundMessage.channel)
    )
    return [(channel, address, key) for channel, address, key in rows]


# --- 1. SLA escalations follow each person's choice -------------------------------------


def test_an_escalation_goes_once_on_each_channel_the_person_chose(
    app: Flask, cast: Cast, make_complaint: MakeComplaint, smtp: FakeSmtpServer
) -> None:
    supervisor, officer = cast.supervisor, cast.officer_a
    supervisor.phone = "+6281355550001"
    supervisor.telegram_chat_id = "7002"
    supervisor.notice_channels = ["sms", "email"]  # not Telegram, though linked
    officer.telegram_chat_id = "7001"  # no choice made: every channel they are reached on
    db.session.commit()
    complaint = make_complaint()

    for now in (VERIFY_DUE, VERIFY_DUE, VERIFY_DUE + timedelta(hours=1)):
        sweep(now)  # the later sweeps find the steps fired and queue nothing again

    escalated = f"sla-{complaint.id}-verify-1-user-{supervisor.id}"
    assert copies_for(supervisor) == [
        ("email", supervisor.email, f"{escalated}:email"),
        ("sms", "+6281355550001", escalated),
    ]
    reminded = f"sla-{complaint.id}-verify-0-user-{officer.id}"
    assert copies_for(officer) == [
        ("email", officer.email, f"{reminded}:email"),
        ("telegram", "7001", reminded),
    ]
    assert outbox.drain().sent == 2  # the mails; no Telegram or SMS sender in this app
    assert outbox.drain().sent == 0
    (mail,) = smtp.mails_to(supervisor.email)
    assert mail["Subject"] == f"[{complaint.code}] Aduan dieskalasi"
    text = parts(mail)["text/plain"]
    notice = db.session.scalars(
        select(Notification).where(Notification.user_id == supervisor.id)
    ).one()
    assert notice.body in text and "dieskalasi kepada Anda sebagai supervisor" in text
    (reminder,) = smtp.mails_to(officer.email)
    assert reminder["Subject"] == f"[{complaint.code}] Pengingat tenggat"


def test_a_person_who_chose_no_channel_is_told_in_the_app_only(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    cast.supervisor.telegram_chat_id = "7002"
    cast.supervisor.notice_channels = []
    db.session.commit()
    make_complaint()
    sweep(VERIFY_DUE)
    assert copies_for(cast.supervisor) == []
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == cast.supervisor.id)
    ).all()
    assert kinds == ["escalation"]


# --- 2. Password-reset and invitation links by e-mail -----------------------------------


def _request_reset(client: FlaskClient, email: str) -> str:
    form = client.get("/staff/reset").get_data(as_text=True)
    response = client.post(
        "/staff/reset", data={"csrf_token": csrf_token_from(form), "email": email}
    )
    assert response.status_code == 200
    return visible_text(response.get_data(as_text=True))


def _set_password(client: FlaskClient, link: str) -> None:
    page = client.get(link)
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        link, data={"csrf_token": token, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert response.status_code == 302


def test_a_forgotten_password_is_reset_with_a_mailed_link_in_the_persons_language(
    app: Flask, cast: Cast, smtp: FakeSmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    officer = cast.officer_a
    officer.locale = "en"
    db.session.commit()
    client = app.test_client()
    login = client.get("/staff/login").get_data(as_text=True)
    assert 'href="/staff/reset"' in login and "Lupa kata sandi?" in login

    answer = _request_reset(client, officer.email.upper())
    assert "Jika ada akun petugas dengan alamat ini" in answer
    assert outbox.drain().sent == 1
    (mail,) = smtp.mails_to(officer.email)
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"] == "A link to choose a new Aduan password"
    assert mail["List-Unsubscribe"] is None  # staff mail
    link = link_in(mail, "/staff/reset/")
    assert link.removeprefix("/staff/reset/") not in caplog.text  # never in a log

    _set_password(client, link)
    signed_in(app, officer.email, NEW_PASSWORD)  # the new password opens the account
    assert app.test_client().get(link).status_code == 404  # the link worked once


def test_a_reset_request_for_an_unknown_or_inactive_address_looks_the_same_and_sends_nothing(
    app: Flask, cast: Cast, smtp: FakeSmtpServer
) -> None:
    cast.officer_b.active = False
    db.session.commit()
    known = _request_reset(app.test_client(), cast.officer_a.email)
    unknown = _request_reset(app.test_client(), "siapa.saja@bonebolangokab.go.id")
    inactive = _request_reset(app.test_client(), cast.officer_b.email)
    assert unknown == known == inactive
    outbox.drain()
    addresses = {address for recipients, _ in smtp.received for address in recipients}
    assert addresses == {cast.officer_a.email}


def test_an_admin_issued_reset_link_is_mailed_and_not_shown(
    app: Flask, cast: Cast, smtp: FakeSmtpServer
) -> None:
    admin = signed_in(app, cast.admin.email)
    edit = admin.get(f"/staff/admin/users/{cast.officer_b.id}").get_data(as_text=True)
    response = admin.post(
        f"/staff/admin/users/{cast.officer_b.id}/reset-link",
        data={"csrf_token": csrf_token_from(edit)},
    )
    shown = response.get_data(as_text=True)
    assert response.status_code == 200 and "/staff/reset/" not in shown
    assert f"Tautan telah dikirim lewat e-mail ke {cast.officer_b.email}" in visible_text(shown)
    outbox.drain()
    (mail,) = smtp.mails_to(cast.officer_b.email)
    assert mail["Subject"] == "Tautan untuk memilih kata sandi Aduan yang baru"
    _set_password(app.test_client(), link_in(mail, "/staff/reset/"))
    signed_in(app, cast.officer_b.email, NEW_PASSWORD)
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "admin_password_reset_issued")
    ).one()
    assert audit.detail == {"channel": "email"}


def test_an_invitation_is_mailed_to_the_new_person_who_accepts_it(
    app: Flask, cast: Cast, smtp: FakeSmtpServer
) -> None:
    admin = signed_in(app, cast.admin.email)
    form = admin.get("/staff/admin/users/new").get_data(as_text=True)
    assert "tautan yang kami kirim lewat e-mail kepada orang tersebut" in form
    invited = "nurul.baru@bonebolangokab.go.id"
    response = admin.post(
        "/staff/admin/users/new",
        data={
            "csrf_token": csrf_token_from(form),
            "email": invited,
            "name": "Nurul Baru",
            "role": "officer",
            "unit": str(cast.officer_a.unit_id),
            "access": "invite",
            "active": "y",
        },
    )
    shown = response.get_data(as_text=True)
    assert response.status_code == 200 and "/staff/invitation/" not in shown
    assert f"Tautan undangan telah dikirim lewat e-mail ke {invited}" in visible_text(shown)
    outbox.drain()
    (mail,) = smtp.mails_to(invited)
    assert mail["Subject"] == "Undangan Anda ke konsol petugas Aduan"
    link = link_in(mail, "/staff/invitation/")
    person = app.test_client()
    page = person.get(link)
    token = csrf_token_from(page.get_data(as_text=True))
    accepted = person.post(
        link, data={"csrf_token": token, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith(
        "/staff/complaints"
    )
    signed_in(app, invited, NEW_PASSWORD)


# --- 3. Supporters and reporters of merged complaints, on their own channel -------------


def test_supporters_hear_of_progress_by_email_or_sms_as_they_gave(
    app: Flask, make_complaint: MakeComplaint, smtp: FakeSmtpServer
) -> None:
    complaint = make_complaint(status="verified")
    by_mail = add_supporter(
        complaint, Contact(email=SUPPORTER_MAIL), external_id="form-1", locale="en"
    )
    by_phone = add_supporter(complaint, Contact(phone="0813 5555 0003"), external_id="form-2")
    workflow.start_work(complaint, Actor.system("test"))
    workflow.commit()

    rows = db.session.execute(
        select(OutboundMessage.channel, OutboundMessage.address).where(
            OutboundMessage.key.like("%-supporter-%")
        )
    ).all()
    assert sorted(rows) == [("email", SUPPORTER_MAIL), ("sms", "+6281355550003")]
    outbox.drain()
    (mail,) = smtp.mails_to(SUPPORTER_MAIL)
    assert mail["Subject"] == f"[{complaint.code}] News of a report you support"
    assert mail["List-Unsubscribe"] is not None  # a citizen's mail
    text = parts(mail)["text/plain"]
    assert f"Complaint {complaint.code}, which you also reported, is now being handled" in text
    assert by_mail.id != by_phone.id


def test_a_merged_complaints_reporter_hears_by_email(
    app: Flask, make_complaint: MakeComplaint, smtp: FakeSmtpServer
) -> None:
    original = make_complaint()
    duplicate = make_complaint(email=REPORTER_MAIL)
    workflow.merge_complaint(duplicate, Actor.system("test"), original)
    workflow.commit()
    workflow.verify_complaint(original, Actor.system("test"))
    workflow.commit()
    outbox.drain()
    subjects = [mail["Subject"] for mail in smtp.mails_to(REPORTER_MAIL)]
    assert subjects[-1] == f"[{duplicate.code}] Kabar laporan yang digabung dengan laporan Anda"
    text = parts(smtp.mails_to(REPORTER_MAIL)[-1])["text/plain"]
    assert duplicate.code in text and original.code not in text.split("Rincian")[0]


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    server = FakeGraphApi().start()
    yield server
    server.stop()


def test_a_merged_complaints_whatsapp_reporter_hears_on_whatsapp_through_the_same_number(
    app: Flask, app_ctx: Flask, graph: FakeGraphApi, make_complaint: MakeComplaint
) -> None:
    from channels import whatsapp

    app.config.update(graph.config())
    whatsapp.init_app(app)
    digits = "6281234567890"
    body, headers = notification(
        {"messages": [message(digits, "text", {"body": "LAPOR Lampu jalan mati di Kabila"})]}
    )
    assert app.test_client().post("/channels/whatsapp/webhook", data=body, headers=headers)
    outbox.drain()
    duplicate = db.session.scalars(select(Complaint).where(Complaint.channel == "whatsapp")).one()
    # Its reporter's tracking page names WhatsApp and the number, masked.
    reporter = app.test_client()
    open_as_reporter(reporter, duplicate.code)
    shown = visible_text(reporter.get(f"/track/{duplicate.code}").get_data(as_text=True))
    assert "Kabar terbaru kami kirim lewat WhatsApp ke 0812****890." in shown
    assert "3456" not in shown
    original = make_complaint()
    workflow.merge_complaint(duplicate, Actor.system("test"), original)
    workflow.commit()
    outbox.drain()  # the news of the merge itself
    graph.reset()
    workflow.verify_complaint(original, Actor.system("test"))
    workflow.commit()
    outbox.drain()
    texts = [sent["text"]["body"] for sent in graph.sent if sent["type"] == "text"]
    assert [sent["to"] for sent in graph.sent] == [digits]
    assert duplicate.code in texts[0] and "digabung" in texts[0]


# --- 4. The tracking page says where updates go, masked ---------------------------------


def test_the_tracking_page_names_the_channel_and_masks_the_address(
    app: Flask, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(email=REPORTER_MAIL)
    reporter = app.test_client()
    open_as_reporter(reporter, complaint.code)
    shown = visible_text(reporter.get(f"/track/{complaint.code}").get_data(as_text=True))
    assert "Kabar terbaru kami kirim lewat e-mail ke r***@gmail.com." in shown
    assert REPORTER_MAIL not in shown
    stranger = visible_text(
        app.test_client().get(f"/track/{complaint.code}").get_data(as_text=True)
    )
    assert "gmail" not in stranger and "Simpan kode pelacakan Anda" in stranger
