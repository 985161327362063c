"""Citizens on a basic phone: LAPOR / REPORT, STATUS / CEK, INFO / HELP, over signed webhooks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from channels.sms.segments import count_segments, is_gsm7
from complaints import clock, workflow
from complaints.codes import normalize_code
from complaints.extensions import db
from complaints.models import Complaint, ComplaintEvent, InboundReceipt, OutboundMessage
from complaints.workflow import Actor
from tests.fakes.twilio_api import FakeTwilioApi
from tests.sms_helpers import (  # noqa: F401 -- fixtures
    CITIZEN,
    OTHER_CITIZEN,
    WEBHOOK,
    inbound_params,
    new_sid,
    reply_to,
    send_sms,
    signed_post,
    sms_app_fixture,
    twilio_api_fixture,
    twilio_server_fixture,
    twiml_messages,
)


def only_complaint() -> Complaint:
    return db.session.scalars(select(Complaint)).one()


def complaint_count() -> int:
    return db.session.scalar(select(func.count(Complaint.id))) or 0


def code_in_reply(text: str) -> str:
    code = next(word.rstrip(".") for word in text.split() if word.startswith("ADU-"))
    assert normalize_code(code) == code
    return code


def test_lapor_in_indonesian_files_a_complaint_with_guessed_category(client, app_ctx) -> None:
    answer = reply_to(client, "LAPOR Jalan berlubang besar di depan SDN 3 Kabila, sudah sebulan")
    complaint = only_complaint()
    assert complaint.channel == "sms"
    assert complaint.category.code == "road-damage"
    assert complaint.description == "Jalan berlubang besar di depan SDN 3 Kabila, sudah sebulan"
    assert complaint.reporter is not None and complaint.reporter.phone == CITIZEN
    assert complaint.locale == "id"
    assert code_in_reply(answer) == complaint.code
    assert is_gsm7(answer) and count_segments(answer).segments == 1


def test_lapor_anonim_rahasia_sets_both_privacy_options_and_says_so(client, app_ctx) -> None:
    answer = reply_to(client, "LAPOR ANONIM rahasia: Jalan berlubang besar di depan SDN 3 Kabila")
    complaint = only_complaint()
    assert (complaint.anonymous, complaint.confidential) == (True, True)
    assert complaint.description == "Jalan berlubang besar di depan SDN 3 Kabila"
    assert answer.startswith("Aduan diterima (anonim, rahasia). Kode: ADU-")
    assert is_gsm7(answer) and count_segments(answer).segments == 1


def test_a_plain_lapor_sets_no_privacy_option(client, app_ctx) -> None:
    answer = reply_to(client, "LAPOR Jalan berlubang besar di depan SDN 3 Kabila, sudah sebulan")
    assert (only_complaint().anonymous, only_complaint().confidential) == (False, False)
    assert answer.startswith("Aduan diterima. Kode: ADU-")


def test_a_bare_lapor_rahasia_keeps_the_choice_until_the_details_come(
    client, app_ctx, set_now
) -> None:
    start = clock.now()
    reply_to(client, "LAPOR RAHASIA")
    assert complaint_count() == 0
    set_now(start + timedelta(minutes=1))
    answer = reply_to(client, "Pungutan liar di loket pelayanan kantor desa setiap hari Senin")
    complaint = only_complaint()
    assert (complaint.anonymous, complaint.confidential) == (False, True)
    assert complaint.description == "Pungutan liar di loket pelayanan kantor desa setiap hari Senin"
    assert answer.startswith("Aduan diterima (rahasia).")


def test_report_in_english_files_a_complaint_in_english(client, app_ctx) -> None:
    answer = reply_to(client, "report: garbage has not been collected near the market for a week")
    complaint = only_complaint()
    assert complaint.category.code == "waste"
    assert complaint.locale == "en"
    assert complaint.description == "garbage has not been collected near the market for a week"
    assert complaint.code in answer and "STATUS" in answer


def test_aduan_is_a_synonym_and_the_sender_number_becomes_e164(client, app_ctx) -> None:
    reply_to(client, "aduan lampu jalan padam semua di desa Tanggilingo", sender="081355512345")
    assert only_complaint().reporter.phone == "+6281355512345"
    assert only_complaint().category.code == "street-lighting"


def test_a_complaint_without_known_keywords_goes_to_other_for_staff(client, app_ctx) -> None:
    reply_to(client, "LAPOR pelayanan di kantor desa sangat lambat dan tidak ramah")
    assert only_complaint().category.code == "other"


def test_the_tracking_code_comes_in_the_reply_and_the_ack_is_not_sent_twice(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    from complaints.outbox import drain

    reply_to(client, "LAPOR Air PDAM tidak mengalir tiga hari di Desa Huntu")
    acknowledgement = db.session.scalars(select(OutboundMessage)).one()
    assert acknowledgement.status == "sent" and acknowledgement.provider_status == "twiml"
    assert drain().as_json() == {"sent": 0, "failed": 0, "retrying": 0}
    assert twilio_api.sent_messages == []


def test_status_answers_in_plain_words_with_the_latest_public_reply(client, app_ctx) -> None:
    answer = reply_to(client, "LAPOR Jalan berlubang di depan pasar Kabila, bahaya untuk motor")
    complaint = only_complaint()
    staff = Actor.system("test")
    workflow.verify_complaint(complaint, staff)
    workflow.start_work(complaint, staff)
    workflow.reply_to_citizen(complaint, staff, "Tim kami menambal jalan itu hari Kamis.")
    workflow.commit()

    answer = reply_to(client, f"cek {complaint.code.lower()}", sender=OTHER_CITIZEN)
    assert complaint.code in answer
    assert "Being handled by the unit" in answer or "Sedang ditangani" in answer
    assert "Tim kami menambal jalan itu hari Kamis." in answer
    assert count_segments(answer).segments <= 2


def test_status_never_reveals_personal_data(client, app_ctx) -> None:
    reply_to(client, "LAPOR Saya Budi Santoso, 081234567890, jalan rusak di desa saya")
    complaint = only_complaint()
    staff = Actor.system("test")
    workflow.verify_complaint(complaint, staff)
    workflow.start_work(complaint, staff)
    workflow.reply_to_citizen(complaint, staff, "Pak Budi, hubungi kami di 085298765432.")
    workflow.commit()

    answer = reply_to(client, f"STATUS {complaint.code}", sender=OTHER_CITIZEN)
    assert "081234567890" not in answer and "085298765432" not in answer
    assert CITIZEN not in answer and "Budi Santoso" not in answer
    assert complaint.description not in answer


def test_status_of_a_merged_complaint_does_not_give_away_the_other_code(
    client, app_ctx, make_complaint
) -> None:
    duplicate = make_complaint(status="merged")
    answer = reply_to(client, f"STATUS {duplicate.code}")
    assert duplicate.code in answer
    assert duplicate.duplicate_of is not None and duplicate.duplicate_of.code not in answer


def test_status_with_an_unknown_code_or_no_code_says_how_to_ask(client, app_ctx) -> None:
    unknown = reply_to(client, "STATUS ADU-0000-0000")
    assert ("ADU-" not in unknown and "code" in unknown.lower()) or "kode" in unknown.lower()
    assert "CEK ADU-7K3Q-9M2X" in reply_to(client, "status")  # Indonesian by default
    assert complaint_count() == 0


def test_info_bantuan_and_help_list_the_commands_and_anything_else_gets_them(
    client, app_ctx
) -> None:
    help_text = reply_to(client, "INFO")
    assert "LAPOR" in help_text
    assert reply_to(client, "bantuan") == help_text
    assert reply_to(client, "halo pak, selamat pagi") == help_text
    assert reply_to(client, "") == help_text
    english = reply_to(client, "Help")  # the number now gets English
    assert "REPORT" in english and english != help_text
    for answer in (help_text, english):
        assert count_segments(answer).segments == 1 and is_gsm7(answer)
    assert reply_to(client, "anything else") == english
    assert complaint_count() == 0


def test_the_same_message_sid_twice_files_one_complaint_and_answers_the_same(
    client, app_ctx
) -> None:
    params = inbound_params("LAPOR Sampah menumpuk di TPS pasar Kabila sejak lima hari")
    first = signed_post(client, WEBHOOK, params)
    again = signed_post(client, WEBHOOK, params)
    assert complaint_count() == 1
    assert twiml_messages(first) == twiml_messages(again)
    assert db.session.scalar(select(func.count(InboundReceipt.id))) == 1


def test_a_report_split_over_three_sms_becomes_one_complaint(client, app_ctx, set_now) -> None:
    start = clock.now()
    answer = reply_to(client, "LAPOR Jembatan di Desa Molotabu retak besar di bagian tengah,")
    set_now(start + timedelta(seconds=40))
    assert twiml_messages(send_sms(client, "truk masih lewat setiap hari dan warga takut")) == []
    set_now(start + timedelta(seconds=150))  # 110 s after the previous part
    assert twiml_messages(send_sms(client, "mohon segera diperiksa. Terima kasih.")) == []

    complaint = only_complaint()
    assert complaint.code in answer
    assert complaint.description == (
        "Jembatan di Desa Molotabu retak besar di bagian tengah, "
        "truk masih lewat setiap hari dan warga takut "
        "mohon segera diperiksa. Terima kasih."
    )
    amendments = db.session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.kind == "amend")
    ).all()
    assert len(amendments) == 2 and all(event.actor_label == "citizen" for event in amendments)


def test_a_part_cut_at_the_sms_boundary_is_glued_to_the_next(client, app_ctx) -> None:
    first = "LAPOR " + ("Jalan rusak parah " * 9)[: 153 - 6 - 4] + "berl"
    assert count_segments(first).units == 153
    reply_to(client, first)
    send_sms(client, "ubang di depan masjid")
    assert only_complaint().description.endswith("berlubang di depan masjid")


def test_text_after_the_window_or_from_another_number_is_not_appended(
    client, app_ctx, set_now
) -> None:
    start = clock.now()
    reply_to(client, "LAPOR Lampu jalan di depan kantor camat padam sejak minggu lalu")
    reply_to(client, "dan juga di depan pasar", sender=OTHER_CITIZEN)
    set_now(start + timedelta(minutes=3))
    answer = reply_to(client, "dan juga di depan puskesmas")
    assert "LAPOR" in answer or "REPORT" in answer  # the help text
    assert only_complaint().description.endswith("minggu lalu")


def test_a_part_after_staff_verified_is_kept_as_an_inbound_message(client, app_ctx) -> None:
    reply_to(client, "LAPOR Lampu jalan di depan kantor camat padam sejak minggu lalu")
    complaint = only_complaint()
    workflow.verify_complaint(complaint, Actor.system("test"))
    workflow.commit()
    send_sms(client, "tolong juga cek lampu di depan puskesmas")
    db.session.refresh(complaint)
    assert complaint.description.endswith("minggu lalu")
    assert [m.body for m in complaint.messages if m.kind == "inbound"] == [
        "tolong juga cek lampu di depan puskesmas"
    ]


def test_a_status_command_inside_the_window_is_still_a_command(client, app_ctx) -> None:
    answer = reply_to(client, "LAPOR Lampu jalan di depan kantor camat padam sejak minggu lalu")
    code = code_in_reply(answer)
    assert code in reply_to(client, f"STATUS {code}")
    assert only_complaint().description.endswith("minggu lalu")


def test_lapor_without_details_asks_for_them_and_files_the_next_message(
    client, app_ctx, set_now
) -> None:
    question = reply_to(client, "LAPOR")
    assert complaint_count() == 0
    assert count_segments(question).segments == 1
    set_now(clock.now() + timedelta(minutes=5))
    answer = reply_to(client, "Sudah dua minggu sampah tidak diangkut di Desa Tunggulo")
    complaint = only_complaint()
    assert complaint.code in answer
    assert complaint.description == "Sudah dua minggu sampah tidak diangkut di Desa Tunggulo"
    assert complaint.category.code == "waste"


def test_a_new_lapor_inside_the_window_files_a_second_complaint(client, app_ctx) -> None:
    first = reply_to(client, "LAPOR Lampu jalan di depan kantor camat padam sejak minggu lalu")
    second = reply_to(client, "LAPOR Sampah di TPS pasar tidak diangkut lima hari")
    assert code_in_reply(first) != code_in_reply(second)
    assert complaint_count() == 2


def test_whatsapp_files_a_whatsapp_complaint_and_answers_on_whatsapp(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    from complaints.outbox import drain

    answer = reply_to(
        client, "Lapor banjir setinggi lutut di jalan depan sekolah", sender=f"whatsapp:{CITIZEN}"
    )
    complaint = only_complaint()
    assert complaint.channel == "whatsapp" and complaint.reporter.phone == CITIZEN
    assert complaint.category.code == "drainage-flood"
    assert complaint.code in answer

    workflow.reply_to_citizen(complaint, Actor.system("test"), "Petugas datang besok pagi.")
    workflow.commit()
    assert drain().sent == 1
    [sent] = twilio_api.sent_messages
    assert sent.value("To") == f"whatsapp:{CITIZEN}"
    assert sent.value("From") == f"whatsapp:{twilio_api.config()['TWILIO_FROM_NUMBER']}"
    assert "Petugas datang besok pagi." in (sent.value("Body") or "")


def test_a_new_message_sid_is_needed_for_each_complaint(client, app_ctx) -> None:
    sid = new_sid()
    reply_to(client, "LAPOR Jalan berlubang di depan sekolah dasar", sid=sid)
    assert reply_to(client, "LAPOR lagi sesuatu yang lain sekali", sid=sid) == reply_to(
        client, "LAPOR Jalan berlubang di depan sekolah dasar", sid=sid
    )
    assert complaint_count() == 1
