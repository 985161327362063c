"""The reporter answers a resolution by SMS or WhatsApp: SELESAI / DONE and BELUM / REOPEN.

Their own number is the proof (DESIGN.md, "The reporter's key"): from any
other number the code does not exist, and nothing changes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channels.sms import resolution
from channels.sms.segments import count_segments, is_gsm7
from complaints import clock, workflow
from complaints.erasure import erase_reporter
from complaints.extensions import db
from complaints.intake import Contact, submit_complaint
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    InboundReceipt,
    OutboundMessage,
    Status,
)
from complaints.workflow import Actor
from tests.sms_helpers import (  # noqa: F401 -- fixtures
    CITIZEN,
    OTHER_CITIZEN,
    WEBHOOK,
    inbound_params,
    reply_to,
    send_sms,
    signed_post,
    sms_app_fixture,
    twilio_api_fixture,
    twilio_server_fixture,
    twiml_messages,
)

UNKNOWN_CODE = "ADU-0000-0000"


@pytest.fixture
def resolved(make_complaint):
    """Factory: a complaint filed from CITIZEN's phone that the unit marked resolved."""

    def make(channel: str = "sms", **options: Any) -> Complaint:
        return make_complaint(status="resolved", phone=CITIZEN, channel=channel, **options)

    return make


def events_of(complaint: Complaint) -> list[ComplaintEvent]:
    return list(
        db.session.scalars(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == complaint.id)
            .order_by(ComplaintEvent.id)
        )
    )


def snapshot(complaint: Complaint) -> tuple[object, ...]:
    """What an answer that changes nothing must leave as it was."""
    db.session.refresh(complaint)
    return (
        complaint.status,
        complaint.citizen_confirmed,
        complaint.reopened_count,
        complaint.version,
        len(events_of(complaint)),
        db.session.scalar(select(func.count(OutboundMessage.id))),
    )


def test_the_reporters_number_confirms_and_the_complaint_closes(client, app_ctx, resolved) -> None:
    complaint = resolved()

    answer = reply_to(client, f"SELESAI {complaint.code}")

    db.session.refresh(complaint)
    assert complaint.status == Status.CLOSED
    assert complaint.citizen_confirmed is True
    closing = events_of(complaint)[-1]
    assert (closing.from_status, closing.to_status) == ("resolved", "closed")
    assert closing.actor_label == "citizen" and closing.actor_user_id is None
    assert closing.data is not None and closing.data["channel"] == "sms"
    assert answer == f"Terima kasih. Aduan {complaint.code} sudah ditutup."
    assert is_gsm7(answer) and count_segments(answer).segments == 1
    # The answer is the news: the queued "closed" SMS to the same number is not sent again.
    notice = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.key == f"event-{closing.id}")
    ).one()
    assert (notice.status, notice.provider_status) == ("sent", "twiml")


def test_the_code_may_be_typed_in_lower_case_with_spaces_and_sudah_confirms_too(
    client, app_ctx, resolved
) -> None:
    complaint = resolved()
    typed = complaint.code.lower().replace("-", " ")

    answer = reply_to(client, f"sudah: {typed}, terima kasih pak")

    db.session.refresh(complaint)
    assert complaint.status == Status.CLOSED
    assert answer.startswith("Terima kasih.")


def test_another_number_gets_the_unknown_code_answer_and_nothing_changes(
    client, app_ctx, resolved
) -> None:
    complaint = resolved()
    before = snapshot(complaint)

    confirm = reply_to(client, f"SELESAI {complaint.code}", sender=OTHER_CITIZEN)
    reopen = reply_to(client, f"BELUM {complaint.code} masih rusak", sender=OTHER_CITIZEN)

    unknown = reply_to(client, f"SELESAI {UNKNOWN_CODE}", sender=OTHER_CITIZEN)
    assert confirm == reopen == unknown
    assert unknown == "Kode aduan tidak ditemukan. Periksa kembali kodenya."
    assert snapshot(complaint) == before  # nothing queued for anyone either


def test_belum_with_a_reason_reopens_with_the_reason_as_a_public_note(
    client, app_ctx, resolved
) -> None:
    complaint = resolved()

    answer = reply_to(client, f"BELUM {complaint.code} masih rusak")

    db.session.refresh(complaint)
    assert complaint.status == Status.IN_PROGRESS
    assert complaint.reopened_count == 1
    assert complaint.citizen_confirmed is False
    reopening = events_of(complaint)[-1]
    assert (reopening.from_status, reopening.to_status) == ("resolved", "in_progress")
    assert reopening.actor_label == "citizen"
    assert (reopening.note, reopening.public) == ("masih rusak", True)
    assert (
        answer == f"Aduan {complaint.code} dibuka kembali dan dikirim lagi ke unit. Terima kasih."
    )
    assert is_gsm7(answer) and count_segments(answer).segments == 1


def test_belum_without_a_reason_asks_for_it_and_changes_nothing(client, app_ctx, resolved) -> None:
    complaint = resolved()
    before = snapshot(complaint)

    answer = reply_to(client, f"BELUM {complaint.code}")

    assert answer == f"Mohon sebutkan apa yang belum beres: BELUM {complaint.code} <alasan>"
    assert snapshot(complaint) == before
    # Without even a code it may be text ("belum ada kabar"): the help text names the commands.
    help_text = reply_to(client, "belum ada kabar")
    assert "SELESAI" in help_text and "BELUM" in help_text
    assert is_gsm7(help_text) and count_segments(help_text).segments == 1
    assert snapshot(complaint) == before


@pytest.mark.parametrize("status", ["received", "verified", "in_progress"])
def test_a_complaint_not_resolved_is_refused_politely_and_unchanged(
    client, app_ctx, make_complaint, status
) -> None:
    complaint = make_complaint(status=status, phone=CITIZEN, channel="sms")
    before = snapshot(complaint)

    confirm = reply_to(client, f"SELESAI {complaint.code}")
    reopen = reply_to(client, f"BELUM {complaint.code} masih rusak")

    assert (
        confirm
        == reopen
        == (
            f"Aduan {complaint.code} hanya dapat dikonfirmasi atau dibuka kembali setelah unit "
            f"menandainya selesai. Untuk cek, kirim CEK {complaint.code}"
        )
    )
    assert snapshot(complaint) == before


def test_a_closed_complaint_is_said_to_be_closed(client, app_ctx, resolved) -> None:
    complaint = resolved()
    reply_to(client, f"SELESAI {complaint.code}")
    before = snapshot(complaint)

    assert reply_to(client, f"SELESAI {complaint.code}") == f"Aduan {complaint.code} sudah ditutup."
    assert reply_to(client, f"BELUM {complaint.code} rusak lagi").endswith("sudah ditutup.")
    assert snapshot(complaint) == before


def test_a_replayed_message_sid_does_nothing_twice(client, app_ctx, resolved) -> None:
    complaint = resolved()
    params = inbound_params(f"BELUM {complaint.code} masih rusak")

    first = twiml_messages(signed_post(client, WEBHOOK, params))
    after_first = snapshot(complaint)
    again = signed_post(client, WEBHOOK, params)

    assert first and first[0].startswith(f"Aduan {complaint.code} dibuka kembali")
    assert again.status_code == 200 and twiml_messages(again) == []
    assert snapshot(complaint) == after_first
    assert complaint.reopened_count == 1
    sid = params["MessageSid"]
    receipts = select(func.count(InboundReceipt.id)).where(InboundReceipt.external_id == sid)
    assert db.session.scalar(receipts) == 1


@pytest.mark.parametrize("channel", ["whatsapp", "sms"])
def test_whatsapp_from_the_reporters_number_works_the_same(
    client, app_ctx, resolved, channel
) -> None:
    complaint = resolved(channel=channel)  # filed by WhatsApp, or by SMS from the same number
    before = snapshot(complaint)

    stranger = reply_to(client, f"SELESAI {complaint.code}", sender=f"whatsapp:{OTHER_CITIZEN}")
    assert stranger == reply_to(client, f"SELESAI {UNKNOWN_CODE}", sender=f"whatsapp:{CITIZEN}")
    assert snapshot(complaint) == before

    answer = reply_to(
        client, f"BELUM {complaint.code} lampu masih padam", sender=f"whatsapp:{CITIZEN}"
    )
    db.session.refresh(complaint)
    assert complaint.status == Status.IN_PROGRESS and complaint.reopened_count == 1
    assert events_of(complaint)[-1].note == "lampu masih padam"
    assert events_of(complaint)[-1].data["channel"] == "whatsapp"
    assert "dibuka kembali" in answer

    workflow.resolve_complaint(complaint, Actor.system("test"), "Lampu sudah diganti.")
    workflow.commit()
    answer = reply_to(client, f"selesai {complaint.code}", sender=f"whatsapp:{CITIZEN}")
    db.session.refresh(complaint)
    assert complaint.status == Status.CLOSED
    assert answer == f"Terima kasih. Aduan {complaint.code} sudah ditutup."


def test_done_and_reopen_answer_in_english(client, app_ctx, resolved) -> None:
    first, second = resolved(), resolved()

    assert reply_to(client, f"REOPEN {first.code}") == (
        f"Please tell us what is still wrong: REOPEN {first.code} <reason>"
    )
    reopened = reply_to(client, f"reopen {first.code}: the hole is still there")
    done = reply_to(client, f"Done {second.code}")

    assert (
        reopened
        == f"Complaint {first.code} has been reopened and sent back to the unit. Thank you."
    )
    assert done == f"Thank you. Complaint {second.code} is now closed."
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.status, second.status) == ("in_progress", "closed")
    assert events_of(first)[-1].note == "the hole is still there"


def test_an_erased_reporters_number_no_longer_counts(client, app_ctx, resolved) -> None:
    complaint = resolved()
    erase_reporter(complaint, Actor.system("test"), "Permintaan pelapor")
    db.session.commit()
    before = snapshot(complaint)

    answer = reply_to(client, f"SELESAI {complaint.code}")

    assert answer == "Kode aduan tidak ditemukan. Periksa kembali kodenya."
    assert snapshot(complaint) == before


def test_inside_the_joining_window_words_like_sudah_are_text_and_a_code_makes_a_command(
    client, app_ctx, set_now
) -> None:
    start = clock.now()
    reply_to(client, "LAPOR Lampu jalan di depan kantor camat padam,")
    set_now(start + timedelta(seconds=30))
    assert twiml_messages(send_sms(client, "sudah dua minggu, belum ada kabar")) == []
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.description.endswith("padam, sudah dua minggu, belum ada kabar")

    set_now(start + timedelta(seconds=60))
    answer = reply_to(client, f"SELESAI {complaint.code}")

    assert answer.startswith(f"Aduan {complaint.code} hanya dapat dikonfirmasi")
    db.session.refresh(complaint)
    assert complaint.status == Status.RECEIVED
    assert "SELESAI" not in complaint.description


def test_a_staff_change_meanwhile_is_retried_on_the_new_version(
    client, app_ctx, resolved, monkeypatch
) -> None:
    complaint = resolved()
    real_lookup = resolution.complaint_by_code
    calls = []

    def lookup_then_staff_edits(code: str, *loads: Any) -> Complaint | None:
        found = real_lookup(code, *loads)
        calls.append(code)
        if len(calls) == 1:  # an officer saves the complaint before this request does
            with Session(db.engine) as other:
                same = other.get(Complaint, complaint.id)
                assert same is not None
                same.priority = "high"
                other.commit()
        return found

    monkeypatch.setattr(resolution, "complaint_by_code", lookup_then_staff_edits)

    answer = reply_to(client, f"SELESAI {complaint.code}")

    assert len(calls) == 2
    assert answer == f"Terima kasih. Aduan {complaint.code} sudah ditutup."
    db.session.refresh(complaint)
    assert (complaint.status, complaint.priority) == ("closed", "high")
    closings = [event for event in events_of(complaint) if event.to_status == "closed"]
    assert len(closings) == 1


def test_the_resolution_message_tells_sms_and_whatsapp_reporters_how_to_answer(
    app_ctx, make_complaint
) -> None:
    by_sms = make_complaint(status="resolved", phone=CITIZEN, channel="sms")
    by_whatsapp = make_complaint(status="resolved", phone=OTHER_CITIZEN, channel="whatsapp")
    by_telegram = submit_complaint(
        channel="telegram",
        category=db.session.scalars(select(Category).where(Category.code == "waste")).one(),
        description="Sampah menumpuk di pasar Kabila sejak lima hari, mohon diangkut.",
        contact=Contact(telegram_chat_id="7001"),
        external_id="telegram-resolution-1",
    ).complaint
    staff = Actor.system("test")
    workflow.verify_complaint(by_telegram, staff)
    workflow.start_work(by_telegram, staff)
    workflow.resolve_complaint(by_telegram, staff, "Sudah diangkut.")
    workflow.commit()

    def resolution_notice(complaint: Complaint) -> str:
        bodies = db.session.scalars(
            select(OutboundMessage.body).where(OutboundMessage.complaint_id == complaint.id)
        ).all()
        return next(body for body in bodies if "menunggu konfirmasi" in body)

    for complaint in (by_sms, by_whatsapp):
        notice = resolution_notice(complaint)
        assert f"https://aduan.test/track/{complaint.code}?key=" in notice
        assert notice.endswith(
            f"Balas SELESAI {complaint.code} bila sudah beres, "
            f"atau BELUM {complaint.code} <alasan>."
        )
    assert "SELESAI" not in resolution_notice(by_telegram)
