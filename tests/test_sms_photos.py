"""Photos sent after the report (MMS, WhatsApp): attached to the complaint they follow."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from channels.sms.segments import count_segments
from complaints import clock
from complaints.attachments import MAX_PHOTOS
from complaints.extensions import db
from complaints.models import Attachment, Complaint, ComplaintEvent, InboundReceipt
from tests.fakes.twilio_api import FakeTwilioApi
from tests.photo_helpers import (
    TURNED_CLOCKWISE,
    as_stored,
    assert_no_metadata,
    photo_with_metadata,
)
from tests.sms_helpers import (  # noqa: F401 -- fixtures
    CITIZEN,
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

WHATSAPP = f"whatsapp:{CITIZEN}"
REPORT = "LAPOR Jalan desa Tunggulo berlubang besar di depan sekolah dasar"


def jpeg(shade: int = 0) -> bytes:
    """A small JPEG; ``shade`` tells the photos apart."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (shade, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def photo(twilio_api: FakeTwilioApi, shade: int = 0) -> tuple[str, str]:
    """A photo held by the fake Twilio, as the webhook announces it."""
    return twilio_api.add_media(jpeg(shade), "image/jpeg", redirect=True), "image/jpeg"


def only_complaint() -> Complaint:
    db.session.expire_all()
    return db.session.scalars(select(Complaint)).one()


def photo_events() -> list[ComplaintEvent]:
    return list(
        db.session.scalars(
            select(ComplaintEvent)
            .where(ComplaintEvent.kind == "photos")
            .order_by(ComplaintEvent.id)
        )
    )


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_photo_sent_after_the_report_is_attached_with_an_event_and_a_short_answer(
    client, app_ctx, set_now, twilio_api: FakeTwilioApi
) -> None:
    start = clock.now()
    reply_to(client, REPORT)
    set_now(start + timedelta(seconds=20))
    answer = reply_to(client, "", media=[photo(twilio_api)])

    assert answer == "Foto diterima (1/5)."
    assert count_segments(answer).segments == 1
    complaint = only_complaint()
    [attachment] = complaint.attachments
    assert attachment.content == as_stored(jpeg()) and attachment.content_type == "image/jpeg"
    assert complaint.description == REPORT.removeprefix("LAPOR ")
    [event] = photo_events()
    assert event.complaint_id == complaint.id and event.actor_label == "citizen"
    assert event.data is not None and event.data["count"] == 1
    assert not event.public


def test_a_photo_sent_by_mms_loses_its_exif_gps_and_owner(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    reply_to(client, REPORT)
    turned = photo_with_metadata(size=(40, 20), orientation=TURNED_CLOCKWISE)
    media = twilio_api.add_media(turned, "image/jpeg", redirect=True)
    assert reply_to(client, "", media=[(media, "image/jpeg")]) == "Foto diterima (1/5)."

    [attachment] = only_complaint().attachments
    assert_no_metadata(attachment.content)
    with Image.open(io.BytesIO(attachment.content)) as stored:
        assert stored.size == (20, 40)


def test_whatsapp_text_then_two_photo_messages_attach_both(
    client, app_ctx, set_now, twilio_api: FakeTwilioApi
) -> None:
    start = clock.now()
    assert "Kode" in reply_to(client, REPORT, sender=WHATSAPP)
    set_now(start + timedelta(seconds=5))
    first = reply_to(client, "", sender=WHATSAPP, media=[photo(twilio_api, 10)])
    set_now(start + timedelta(seconds=9))
    second = reply_to(client, "", sender=WHATSAPP, media=[photo(twilio_api, 200)])

    assert (first, second) == ("Foto diterima (1/5).", "Foto diterima (2/5).")
    complaint = only_complaint()
    assert complaint.channel == "whatsapp"
    assert [a.content for a in sorted(complaint.attachments, key=lambda a: a.id)] == [
        as_stored(jpeg(10)),
        as_stored(jpeg(200)),
    ]
    assert len(photo_events()) == 2


def test_a_further_part_with_text_and_a_photo_adds_both(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    reply_to(client, REPORT)
    answer = reply_to(client, "airnya menggenang kalau hujan", media=[photo(twilio_api)])
    assert answer == "Foto diterima (1/5)."
    complaint = only_complaint()
    assert complaint.description.endswith("sekolah dasar airnya menggenang kalau hujan")
    assert len(complaint.attachments) == 1


def test_photos_past_the_limit_over_all_parts_are_refused_and_the_first_kept(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    reply_to(client, REPORT)
    three = reply_to(client, "", media=[photo(twilio_api, shade) for shade in (1, 2, 3)])
    assert three == "Foto diterima (3/5)."
    over = reply_to(client, "", media=[photo(twilio_api, shade) for shade in (4, 5, 6)])
    assert over == "Foto diterima (5/5). Tidak disimpan: 1 (maksimal 5 foto per aduan)."
    assert count_segments(over).segments == 1
    fetched_before = len(twilio_api.requests_for("/Media/"))
    full = reply_to(client, "", media=[photo(twilio_api, 7)])
    assert full == "Tidak disimpan: 1 (maksimal 5 foto per aduan)."

    complaint = only_complaint()
    kept = [a.content for a in sorted(complaint.attachments, key=lambda a: a.id)]
    assert kept == [as_stored(jpeg(shade)) for shade in (1, 2, 3, 4, 5)]
    assert len(twilio_api.requests_for("/Media/")) == fetched_before  # a full one: no download
    assert [event.data["count"] for event in photo_events() if event.data] == [3, 2]


def test_photos_of_the_report_itself_count_towards_the_limit(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    reply_to(client, REPORT, media=[photo(twilio_api, shade) for shade in (1, 2, 3, 4)])
    answer = reply_to(client, "", media=[photo(twilio_api, shade) for shade in (5, 6)])
    assert answer == "Foto diterima (5/5). Tidak disimpan: 1 (maksimal 5 foto per aduan)."
    assert len(only_complaint().attachments) == MAX_PHOTOS


def test_a_photo_with_no_report_to_join_gets_a_hint_and_files_nothing(
    client, app_ctx, set_now, twilio_api: FakeTwilioApi
) -> None:
    answer = reply_to(client, "", media=[photo(twilio_api)])
    assert "LAPOR" in answer and "2 menit" in answer
    assert count_segments(answer).segments == 1
    assert count(Complaint) == 0 and count(Attachment) == 0
    assert count(InboundReceipt) == 1
    assert twilio_api.requests_for("/Media/") == []

    start = clock.now()
    reply_to(client, REPORT)
    set_now(start + timedelta(minutes=3))  # the window has closed
    assert reply_to(client, "", media=[photo(twilio_api)]) == answer
    assert only_complaint().attachments == []


def test_the_same_message_sid_twice_attaches_its_photo_once(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    reply_to(client, REPORT)
    params = inbound_params("", media=[photo(twilio_api)])
    first = signed_post(client, WEBHOOK, params)
    again = signed_post(client, WEBHOOK, params)
    assert twiml_messages(first) == ["Foto diterima (1/5)."]
    assert twiml_messages(again) == []  # answered already; nothing changes
    assert len(only_complaint().attachments) == 1
    assert len(photo_events()) == 1


def test_when_twilio_is_down_the_text_is_kept_and_the_citizen_asked_to_resend(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    reply_to(client, REPORT)
    media = [photo(twilio_api)]
    twilio_api.go_down("refuse")
    try:
        answer = reply_to(client, "sudah tiga bulan", media=media)
    finally:
        twilio_api.recover()
    assert answer == "Foto gagal diterima: 1. Silakan kirim ulang."
    complaint = only_complaint()
    assert complaint.description.endswith("sekolah dasar sudah tiga bulan")
    assert complaint.attachments == [] and photo_events() == []

    assert reply_to(client, "", media=media) == "Foto diterima (1/5)."  # sent again: kept


def test_a_later_photo_is_checked_like_one_sent_with_the_report(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    from tests.hostile.test_telegram_webhook_abuse import declared_huge_png

    reply_to(client, REPORT)
    bomb = twilio_api.add_media(declared_huge_png(), "image/png")
    page = twilio_api.add_media(b"<html>not a photo</html>", "image/jpeg")
    answer = reply_to(client, "", media=[(bomb, "image/png"), (page, "image/jpeg")])
    assert answer == "Foto gagal diterima: 2. Silakan kirim ulang."
    assert count(Attachment) == 0 and photo_events() == []


def test_a_photo_after_a_bare_lapor_is_filed_with_the_details(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    reply_to(client, "LAPOR", media=[photo(twilio_api, 8)])
    reply_to(client, "", media=[photo(twilio_api, 9)])  # asks for the details again
    assert count(Complaint) == 0
    assert twilio_api.requests_for("/Media/") == []  # nothing to file them with yet
    answer = reply_to(client, "Sampah tidak diangkut dua minggu di Desa Tunggulo")
    complaint = only_complaint()
    assert complaint.code in answer
    assert sorted(a.content for a in complaint.attachments) == sorted(
        [as_stored(jpeg(8)), as_stored(jpeg(9))]
    )


def test_a_photo_in_english_is_answered_in_english(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    reply_to(client, "REPORT The road in Tunggulo village has a big hole near the school")
    assert reply_to(client, "", media=[photo(twilio_api)]) == "Photos received (1/5)."


def test_a_voice_note_in_the_window_is_not_kept_and_not_asked_again(
    client, app_ctx, set_now, twilio_api: FakeTwilioApi
) -> None:
    start = clock.now()
    reply_to(client, REPORT, sender=WHATSAPP)
    set_now(start + timedelta(seconds=10))
    voice = twilio_api.add_media(b"OggS\x00voice", "audio/ogg"), "audio/ogg"
    answer = reply_to(client, "", media=[voice, photo(twilio_api)], sender=WHATSAPP)

    # The photo is kept; the voice note is named as what it is, not "send it again".
    assert (
        answer
        == "Foto diterima (1/5). Hanya foto yang dapat disimpan: 1 berkas lain tidak disimpan."
    )
    assert len(only_complaint().attachments) == 1
