"""The e-mail channel end to end: aiosmtpd receives what the outbox sends through smtplib,
and a fake IMAP server on 127.0.0.1 holds the mailbox `flask mail poll` reads with imap-tools."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from complaints import outbox, workflow
from complaints.extensions import db
from complaints.models import Complaint, InboundReceipt, MessageKind
from complaints.models import Message as ComplaintMessage
from complaints.workflow import Actor
from tests.conftest import MakeComplaint, csrf_token_from
from tests.fakes.mail_servers import FakeImapServer, FakeSmtpServer
from tests.mail_helpers import mail_on, parts, smtp_fixture, smtp_server_fixture  # noqa: F401 -- fixtures
from tests.outage_helpers import assert_delivered_once_after_outage

CITIZEN = "sari.citizen@example.id"


@pytest.fixture(scope="session")
def imap_server() -> Iterator[FakeImapServer]:
    server = FakeImapServer().start()
    yield server
    server.stop()


@pytest.fixture
def imap(imap_server: FakeImapServer) -> Iterator[FakeImapServer]:
    imap_server.reset()
    yield imap_server
    imap_server.reset()


@pytest.fixture
def app(app: Flask, smtp: FakeSmtpServer, imap: FakeImapServer) -> Flask:
    """conftest's app with outbound mail to the fake SMTP server and the fake mailbox."""
    app.config.update(imap.config())
    return mail_on(app, smtp)


def test_acknowledgement_mail_is_multipart_indonesian_with_link_and_one_click_unsubscribe(
    make_complaint: MakeComplaint, smtp: FakeSmtpServer, app: Flask
) -> None:
    complaint = make_complaint(email=CITIZEN, name="Sari")
    assert outbox.drain().sent == 1
    (mail,) = smtp.mails_to(CITIZEN)
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"].startswith(f"[{complaint.code}] ")
    assert "Aduan Anda telah diterima" in mail["Subject"] or "diterima" in mail["Subject"]
    texts = parts(mail)
    assert set(texts) == {"text/plain", "text/html"}
    link = re.search(r"https://aduan\.bonebolangokab\.go\.id/track/\S+\?\S+", texts["text/plain"])
    assert link is not None and complaint.code in link.group(0)
    assert "Kode" in texts["text/plain"] or "kode" in texts["text/plain"]
    assert f'href="{link.group(0)}' in texts["text/html"]
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://aduan.bonebolangokab.go.id/mail/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sent = db.session.scalar(
        select(outbox.OutboundMessage).where(outbox.OutboundMessage.complaint_id == complaint.id)
    )
    assert sent is not None and sent.provider_message_id == mail["Message-ID"]

    # The reporter's link opens the tracking page, which says updates come by e-mail.
    client = app.test_client()
    page = client.get(link.group(0).removeprefix("https://aduan.bonebolangokab.go.id"))
    page = client.get(f"/track/{complaint.code}") if page.status_code == 302 else page
    shown = page.get_data(as_text=True)
    assert "Kabar terbaru kami kirim lewat e-mail ke s***@example.id." in shown
    assert CITIZEN not in shown  # masked: the page is open to anyone holding the code

    # The one-click POST (RFC 8058) from the mail program: no CSRF token, the link is the proof.
    path = unsubscribe.removeprefix("https://aduan.bonebolangokab.go.id")
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert "tidak akan menerima e-mail lagi" in answer.get_data(as_text=True).lower()
    assert client.get(path[:-3] + "xyz").status_code == 404

    smtp.reset()
    workflow.verify_complaint(complaint, Actor.system("test"))
    workflow.commit()
    summary = outbox.drain()
    assert smtp.mails_to(CITIZEN) == [] and summary.failed == 1


def test_status_change_and_reply_mails_and_the_tracking_page_names_email(
    make_complaint: MakeComplaint, smtp: FakeSmtpServer, app: Flask
) -> None:
    complaint = make_complaint(email=CITIZEN, status="resolved")
    outbox.drain()
    subjects = [mail["Subject"] for mail in smtp.mails_to(CITIZEN)]
    assert len(subjects) == 4  # received, checked, being handled, resolved (rate it)
    assert all(subject.startswith(f"[{complaint.code}]") for subject in subjects)
    resolved = parts(smtp.mails_to(CITIZEN)[-1])["text/plain"]
    assert "nilai" in resolved.lower()  # the request to rate, with the reporter's link
    assert "BALAS" not in resolved  # no SMS commands in a mail


def deliver_mail(
    imap: FakeImapServer,
    *,
    subject: str,
    body: str,
    sender: str = f"Sari Wulandari <{CITIZEN}>",
    message_id: str = "<first@mail.example.id>",
    headers: dict[str, str] | None = None,
    photo: bool = False,
) -> int:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "aduan@bonebolangokab.go.id"
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    if photo:
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
        mail.add_attachment(
            buffer.getvalue(), maintype="image", subtype="jpeg", filename="jalan.jpg"
        )
    return imap.deliver(mail)


MARKET_REPORT = (
    "Sampah di belakang pasar Kabila sudah seminggu tidak diangkut dan mulai berbau.\n"
    "Mohon segera ditangani."
)


def poll(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "poll"])
    assert result.exit_code == 0, result.output
    return result.output


def test_mail_poll_files_a_complaint_trims_it_and_acknowledges_by_mail(
    app: Flask, app_ctx: Flask, imap: FakeImapServer, smtp: FakeSmtpServer
) -> None:
    uid = deliver_mail(
        imap,
        subject="Lampu jalan mati di Desa Huntu",
        body=(
            "Selamat pagi,\n\nLampu jalan di depan masjid Desa Huntu sudah mati dua minggu.\n"
            "Mohon segera diperbaiki.\n\n-- \nSari Wulandari\nGuru SD 3\n"
        ),
        photo=True,
    )
    assert "filed 1" in poll(app)
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.channel == "email" and complaint.title == "Lampu jalan mati di Desa Huntu"
    assert complaint.reporter is not None and complaint.reporter.email == CITIZEN
    assert complaint.reporter.name == "Sari Wulandari"
    assert "dua minggu" in complaint.description and "Guru SD" not in complaint.description
    assert len(complaint.attachments) == 1
    assert imap.seen(uid)
    outbox.drain()
    (ack,) = smtp.mails_to(CITIZEN)
    assert complaint.code in ack["Subject"] and "/track/" in parts(ack)["text/plain"]

    # The same Message-ID again (a second copy, a poll that died before flagging): one complaint.
    deliver_mail(imap, subject="Lampu jalan mati di Desa Huntu", body="Salinan yang sama.")
    assert "already seen 1" in poll(app)
    assert db.session.scalar(select(func.count(Complaint.id))) == 1

    # A reply with the code in its subject, quoting our notice: the citizen's message.
    deliver_mail(
        imap,
        subject=f"Re: [{complaint.code}] Pengaduan Anda telah diterima",
        body=(
            "Lampunya sekarang berkedip-kedip, tolong dicek juga kabelnya.\n\n"
            "Dikirim dari iPhone saya\n\n"
            "Pada 1 Des 2026 pukul 10.00, Aduan <aduan@bonebolangokab.go.id> menulis:\n"
            "> Pengaduan Anda telah diterima.\n"
        ),
        message_id="<reply@mail.example.id>",
    )
    assert "replies 1" in poll(app)
    db.session.expire_all()
    (inbound,) = db.session.scalars(
        select(ComplaintMessage).where(ComplaintMessage.kind == MessageKind.INBOUND.value)
    ).all()
    assert inbound.complaint_id == complaint.id and inbound.channel == "email"
    assert inbound.body == "Lampunya sekarang berkedip-kedip, tolong dicek juga kabelnya."
    assert db.session.scalar(select(func.count(Complaint.id))) == 1


@pytest.mark.parametrize("outage", ["refuse", "error", "reject"])
def test_an_acknowledgement_queued_while_the_mail_server_is_down_arrives_once_when_it_is_back(
    app: Flask, app_ctx: Flask, imap: FakeImapServer, smtp: FakeSmtpServer, outage: str
) -> None:
    """Refused connections, a 451 to every mail, a server refusing all mail (554 at the
    greeting): the acknowledgement waits and leaves once the server is well again."""
    smtp.go_down(outage)
    deliver_mail(imap, subject="Sampah menumpuk di pasar Kabila", body=MARKET_REPORT)
    assert "filed 1" in poll(app)
    code = db.session.scalars(select(Complaint)).one().code
    assert_delivered_once_after_outage(
        app,
        go_down=lambda: smtp.go_down(outage),
        come_back=smtp.recover,
        received=lambda: smtp.mails_to(CITIZEN),
    )
    (ack,) = smtp.mails_to(CITIZEN)
    assert code in ack["Subject"]


def test_auto_replies_and_bounces_file_nothing(
    app: Flask, app_ctx: Flask, imap: FakeImapServer
) -> None:
    deliver_mail(
        imap,
        subject="Out of office: Lampu jalan",
        body="Saya sedang cuti sampai tanggal 10 Desember, pesan Anda akan dibaca nanti.",
        headers={"Auto-Submitted": "auto-replied"},
        message_id="<ooo@mail.example.id>",
    )
    bounce = (
        "From: Mail Delivery System <MAILER-DAEMON@mail.example.id>\n"
        "To: aduan@bonebolangokab.go.id\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Message-ID: <bounce@mail.example.id>\n"
        "Return-Path: <>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n'
        "--b1\nContent-Type: text/plain\n\n"
        "This is the mail system at host mail.example.id. Your message could not be delivered.\n"
        "--b1\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mail.example.id\n\nFinal-Recipient: rfc822; nobody@example.id\n"
        "Action: failed\nStatus: 5.1.1\n"
        "--b1--\n"
    )
    uid = imap.deliver(bounce)
    assert "ignored 2" in poll(app)
    assert db.session.scalar(select(func.count(Complaint.id))) == 0
    assert imap.seen(uid)
    assert (
        db.session.scalar(
            select(func.count(InboundReceipt.id)).where(InboundReceipt.channel == "email")
        )
        == 2
    )


def test_staff_choose_where_their_notices_go(
    app: Flask, cast: object, smtp: FakeSmtpServer
) -> None:
    from complaints.notify import notify_staff
    from tests.staff_helpers import signed_in

    officer = cast.officer_a  # type: ignore[attr-defined]
    officer.telegram_chat_id = "5550001"
    db.session.commit()
    notify_staff(officer, "assignment", "Aduan baru untuk Anda.", key="t-1")
    db.session.commit()
    channels = sorted(
        db.session.scalars(
            select(outbox.OutboundMessage.channel).where(
                outbox.OutboundMessage.user_id == officer.id
            )
        )
    )
    assert channels == ["email", "telegram"]  # not chosen yet: every channel they are reached on

    client = signed_in(app, officer.email)
    page = client.get("/staff/profile").get_data(as_text=True)
    assert 'name="notice_channels"' in page and 'value="sms"' not in page  # no phone
    answer = client.post(
        "/staff/profile",
        data={
            "csrf_token": csrf_token_from(page),
            "phone": "",
            "locale": "id",
            "notice_channels": ["email"],
        },
    )
    assert answer.status_code == 302
    db.session.refresh(officer)
    assert officer.notice_channels == ["email"]
    notify_staff(officer, "assignment", "Aduan kedua untuk Anda.", key="t-2")
    db.session.commit()
    outbox.drain()
    keys = set(
        db.session.scalars(
            select(outbox.OutboundMessage.key).where(outbox.OutboundMessage.user_id == officer.id)
        )
    )
    assert keys == {"t-1", "t-1:email", "t-2"}  # the second notice: e-mail only
    mails = smtp.mails_to(officer.email)
    (mail,) = [m for m in mails if "kedua" in parts(m)["text/plain"]]
    assert "Aduan kedua untuk Anda." in parts(mail)["text/plain"]
    assert mail["List-Unsubscribe"] is None
