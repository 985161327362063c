"""Erasing a reporter: the person is gone from every table; the complaint and figures stay."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from complaints import clock, metrics, workflow
from complaints.erasure import erase_person
from complaints.extensions import db
from complaints.intake import Contact, submit_complaint
from complaints.models import (
    AuditLog,
    Complaint,
    ComplaintEvent,
    Conversation,
    OutboundMessage,
    Reporter,
    Supporter,
)
from complaints.outbox import Delivery, drain, enqueue, register_transport
from complaints.support import add_supporter
from complaints.workflow import Actor
from tests.conftest import Cast, MakeComplaint, category
from tests.staff_helpers import session_csrf, signed_in

NAME = "Siti Rahmawati"
PHONE = "+6281234567890"
EMAIL = "siti.rahma@example.com"
NIK = "7503012345678901"
CHAT_ID = "987654321"
REASON = "Permintaan pelapor melalui surat tertanggal 27 November 2026."


@dataclass
class RecordingTelegram:
    """The outside boundary: what the Bot API would have been asked to deliver."""

    channel: str = "telegram"
    delivered: list[tuple[str, str]] = field(default_factory=list)

    def send(self, address: str, body: str) -> Delivery:
        self.delivered.append((address, body))
        return Delivery(provider_message_id=str(len(self.delivered)))


def traces_of_the_person() -> list[str]:
    """Every text value, in every column of every table, that still names or reaches them."""
    needles = [
        *NAME.lower().split(),
        PHONE,
        PHONE.lstrip("+"),
        "0" + PHONE[3:],
        EMAIL,
        NIK,
        CHAT_ID,
    ]
    national = PHONE[3:]  # 81234567890, however it was spaced or dashed
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text | sa.JSON)]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                text = json.dumps(value) if not isinstance(value, str) else value
                lowered = text.lower()
                hits = [needle for needle in needles if needle.lower() in lowered]
                if national in re.sub(r"\D", "", text):
                    hits.append("phone digits")
                if hits:
                    found.append(f"{table.name}.{column.name}: {hits} in {text[:80]!r}")
    return found


def a_citizen_who_talked_a_lot(app: Flask, provider: RecordingTelegram) -> Complaint:
    """A Telegram complaint whose reporter's data is in every corner of the database."""
    complaint = submit_complaint(
        channel="telegram",
        category=category("road-damage"),
        description=(
            f"Saya {NAME} (NIK {NIK}), HP 0812-3456-7890, e-mail {EMAIL}: "
            "jembatan kayu di Desa Tapa rapuh."
        ),
        contact=Contact(name=NAME, phone=PHONE, email=EMAIL, nik=NIK, telegram_chat_id=CHAT_ID),
        external_id=f"tg-{CHAT_ID}-1",
    ).complaint
    system = Actor.system("test")
    workflow.receive_citizen_message(
        complaint, "Ini Siti lagi, nomor saya 081234567890.", "telegram", data={"chat": CHAT_ID}
    )
    workflow.verify_complaint(complaint, system)
    workflow.add_internal_note(complaint, system, f"Pelapor Rahmawati minta dihubungi: {EMAIL}")
    workflow.start_work(complaint, system)
    workflow.resolve_complaint(complaint, system, "Jembatan diperkuat; Bu Siti sudah dikabari.")
    answers = dict.fromkeys(
        [
            "requirements",
            "procedure",
            "timeliness",
            "cost",
            "product",
            "competence",
            "conduct",
            "facilities",
            "complaint_handling",
        ],
        4,
    )
    workflow.rate_complaint(complaint, answers, f"Terima kasih dari {NAME}.")
    enqueue("telegram", CHAT_ID, "Halo Siti, ketik /status untuk melihat laporan.", key="help-1")
    db.session.add_all(
        [
            Conversation(channel="telegram", address=CHAT_ID, state="idle", data={"n": NAME}),
            Conversation(channel="sms", address=PHONE, state="idle"),
        ]
    )
    workflow.commit()
    register_transport(app, provider)
    drain()  # the acknowledgement and the notices so far were sent …
    workflow.reply_to_citizen(complaint, system, "Bu Siti, kami telepon ke 0812 3456 7890 besok.")
    workflow.commit()  # … and this reply is still waiting
    return complaint


def figures() -> dict[str, object]:
    return metrics.report(date(2026, 11, 1), date(2026, 11, 30), now=clock.now())


def test_an_admin_erases_the_reporter_and_nothing_of_them_remains(
    app: Flask, app_ctx: Flask, cast: Cast
) -> None:
    provider = RecordingTelegram()
    complaint = a_citizen_who_talked_a_lot(app, provider)
    code, status, created_at = complaint.code, complaint.status, complaint.created_at
    events_before = len(complaint.events)
    figures_before = figures()
    sent_before = list(provider.delivered)
    assert sent_before and traces_of_the_person()

    officer = signed_in(app, cast.officer_a.email)
    assert f"/staff/complaints/{code}/erase" not in officer.get(f"/staff/complaints/{code}").text
    admin = signed_in(app, cast.admin.email)
    assert f"/staff/complaints/{code}/erase" in admin.get(f"/staff/complaints/{code}").text
    response = admin.post(
        f"/staff/complaints/{code}/erase",
        data={"reason": REASON, "confirm": "y", "csrf_token": session_csrf(admin)},
    )
    assert response.status_code == 302
    # The console speaks Indonesian first: "The reporter's personal data was erased."
    assert "Data pribadi pelapor telah dihapus" in admin.get(response.headers["Location"]).text

    db.session.commit()  # a new transaction sees what the request committed
    assert traces_of_the_person() == []
    assert figures() == figures_before
    erased = db.session.scalars(select(Complaint).where(Complaint.code == code)).one()
    assert (erased.status, erased.created_at, erased.category.code) == (
        status,
        created_at,
        "road-damage",
    )
    assert "Desa Tapa" in erased.description
    assert erased.reporter is not None and erased.reporter.erased_at is not None
    last = erased.events[-1]
    assert len(erased.events) == events_before + 1
    assert (last.kind, last.public, last.actor_user_id, last.note) == (
        "erase",
        False,
        cast.admin.id,
        REASON,
    )
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "erase_reporter")).one()
    assert (audit.actor_user_id, audit.target_id) == (cast.admin.id, erased.id)

    # The citizen hears nothing more: the waiting reply is cancelled, later news not queued.
    drain()
    workflow.confirm_resolution(erased)
    workflow.commit()
    drain()
    assert provider.delivered == sent_before
    waiting = select(OutboundMessage).where(OutboundMessage.status == "pending")
    assert db.session.scalars(waiting).all() == []
    assert admin.get(f"/staff/complaints/{code}").status_code == 200
    assert admin.get(f"/track/{code}").status_code == 200


def test_erasure_needs_a_reason_and_a_deliberate_tick(
    app: Flask, app_ctx: Flask, cast: Cast
) -> None:
    complaint = a_citizen_who_talked_a_lot(app, RecordingTelegram())
    admin = signed_in(app, cast.admin.email)
    token = session_csrf(admin)
    for form in ({"reason": REASON}, {"reason": " ", "confirm": "y"}):
        response = admin.post(
            f"/staff/complaints/{complaint.code}/erase", data={**form, "csrf_token": token}
        )
        assert response.status_code == 302
    db.session.commit()  # a new transaction sees what the request committed
    assert complaint.reporter is not None and complaint.reporter.phone == PHONE
    erase_events = select(ComplaintEvent).where(ComplaintEvent.kind == "erase")
    assert db.session.scalars(erase_events).all() == []


def test_the_privacy_cli_erases_once_and_says_so(app: Flask, app_ctx: Flask) -> None:
    complaint = a_citizen_who_talked_a_lot(app, RecordingTelegram())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["privacy", "erase", complaint.code.lower(), "--reason", REASON])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cancelled"] == 1
    db.session.commit()  # a new transaction sees what the request committed
    assert traces_of_the_person() == []
    again = runner.invoke(args=["privacy", "erase", complaint.code, "--reason", REASON])
    # "There is no personal data left to erase.", in the default (Indonesian) locale.
    assert again.exit_code != 0 and "Tidak ada lagi data pribadi" in again.output
    unknown = runner.invoke(args=["privacy", "erase", "ADU-0000-0000", "--reason", REASON])
    assert unknown.exit_code != 0 and "no complaint" in unknown.output
    no_reason = runner.invoke(args=["privacy", "erase", complaint.code])
    assert no_reason.exit_code != 0


def a_second_complaint_by_sms(name: str = "Siti R.", phone: str = PHONE) -> Complaint:
    complaint = submit_complaint(
        channel="sms",
        category=category("road-damage"),
        description="Lampu jalan di Desa Tapa mati sejak seminggu, mohon diperbaiki.",
        contact=Contact(name=name, phone=phone),
    ).complaint
    workflow.commit()
    return complaint


def test_an_admin_erases_every_complaint_of_the_person_when_asked(
    app: Flask, app_ctx: Flask, cast: Cast
) -> None:
    complaint = a_citizen_who_talked_a_lot(app, RecordingTelegram())
    same_phone = a_second_complaint_by_sms()
    neighbour = a_second_complaint_by_sms(name="Budi Santoso", phone="+6281299998888")
    codes = (complaint.code, same_phone.code, neighbour.code)
    admin = signed_in(app, cast.admin.email)
    page = admin.get(f"/staff/complaints/{codes[0]}").text
    # "Also erase it from the 1 other complaint of this person (…): <code>", in Indonesian.
    assert "Hapus juga dari 1 aduan lain orang ini" in page and codes[1] in page
    assert codes[2] not in page  # another person's complaint is never offered
    response = admin.post(
        f"/staff/complaints/{codes[0]}/erase",
        data={
            "reason": REASON,
            "confirm": "y",
            "everything": "y",
            "csrf_token": session_csrf(admin),
        },
    )
    flashed = admin.get(response.headers["Location"]).text
    assert f"dihapus dari 2 aduan: {codes[0]}, {codes[1]}" in flashed

    db.session.commit()  # a new transaction sees what the request committed
    assert traces_of_the_person() == []
    reporters = {
        c.code: c.reporter
        for c in db.session.scalars(select(Complaint).where(Complaint.code.in_(codes)))
    }
    assert reporters[codes[1]] is not None and reporters[codes[1]].erased_at is not None
    assert reporters[codes[2]] is not None and reporters[codes[2]].phone == "+6281299998888"


def test_without_the_box_only_this_complaint_is_erased(
    app: Flask, app_ctx: Flask, cast: Cast
) -> None:
    complaint = a_citizen_who_talked_a_lot(app, RecordingTelegram())
    same_phone = a_second_complaint_by_sms()
    admin = signed_in(app, cast.admin.email)
    admin.post(
        f"/staff/complaints/{complaint.code}/erase",
        data={"reason": REASON, "confirm": "y", "csrf_token": session_csrf(admin)},
    )
    db.session.commit()
    # What is left is the other complaint's: its reporter and the SMS sent to them.
    left = {trace.split(".")[0] for trace in traces_of_the_person()}
    assert left == {"reporters", "outbound_messages"}
    other = db.session.scalars(select(Complaint).where(Complaint.code == same_phone.code)).one()
    assert other.reporter is not None and other.reporter.phone == PHONE


def test_the_privacy_cli_erases_all_complaints_of_the_person_on_request(
    app: Flask, app_ctx: Flask
) -> None:
    complaint = a_citizen_who_talked_a_lot(app, RecordingTelegram())
    same_phone = a_second_complaint_by_sms()
    runner = app.test_cli_runner()
    args = ["privacy", "erase", complaint.code, "--reason", REASON, "--all-complaints"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["code"] == complaint.code
    assert [other["code"] for other in summary["also"]] == [same_phone.code]
    db.session.commit()
    assert traces_of_the_person() == []


def test_erasing_a_person_blanks_their_support_of_other_complaints(
    app: Flask, app_ctx: Flask, make_complaint: MakeComplaint
) -> None:
    """A citizen who said "me too" elsewhere is forgotten there too, and told nothing more."""
    own = make_complaint(phone="0812 7777 6666", name="Siti Rahmawati")
    supported = make_complaint("verified")
    stranger_supported = make_complaint("verified")
    add_supporter(supported, Contact(name="Siti", phone="081277776666"), external_id="s-1")
    add_supporter(stranger_supported, Contact(phone="081299998888"), external_id="s-2")

    erase_person(own, Actor.system("test"), REASON)
    db.session.commit()

    contacts = dict(
        db.session.execute(
            select(Supporter.complaint_id, Reporter.phone).join(
                Reporter, Supporter.reporter_id == Reporter.id
            )
        ).all()
    )
    assert contacts == {supported.id: None, stranger_supported.id: "+6281299998888"}
    workflow.start_work(supported, Actor.system("test"))
    workflow.commit()
    sent_to = db.session.scalars(
        select(OutboundMessage.address).where(OutboundMessage.complaint_id == supported.id)
    ).all()
    assert "+6281277776666" not in sent_to
