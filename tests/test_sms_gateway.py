"""SMS through an Android phone (SMS Gateway for Android): signed webhooks in, the phone's API out.

The real ``android-sms-gateway`` client talks to a fake gateway on
127.0.0.1; webhook events are signed as the app signs them.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from channels.smsgate import health
from channels.smsgate.settings import GatewaySettings
from channels.smsgate.views import MAX_WEBHOOK_BYTES
from complaints import clock
from complaints.attachments import MAX_PHOTO_BYTES
from complaints.config import ConfigError
from complaints.extensions import db
from complaints.models import (
    Attachment,
    Complaint,
    Conversation,
    InboundReceipt,
    OutboundMessage,
)
from tests.fakes.smsgate_api import FakeSmsGateway, signed_event
from tests.fakes.twilio_api import FakeTwilioApi
from tests.outage_helpers import assert_delivered_once_after_outage
from tests.photo_helpers import as_stored, photo_with_metadata
from tests.sms_helpers import twilio_api_fixture, twilio_server_fixture  # noqa: F401 -- fixtures
from tests.staff_helpers import (
    STAFF_REPLY,
    assert_reply_sent_and_note_kept,
    reply_and_note_as_staff,
    signed_in,
)

WEBHOOK = "/channels/sms/gateway"
CITIZEN = "+6281234567890"
REPORT = "LAPOR Jalan berlubang besar di depan SDN 3 Kabila, sudah sebulan tidak diperbaiki"


@pytest.fixture(scope="session")
def gateway_server() -> Iterator[FakeSmsGateway]:
    """One fake gateway per test process (starting a server per test is slow)."""
    server = FakeSmsGateway().start()
    yield server
    server.stop()


@pytest.fixture
def gateway(gateway_server: FakeSmsGateway) -> Iterator[FakeSmsGateway]:
    gateway_server.reset()
    health.forget()
    yield gateway_server
    gateway_server.reset()


@pytest.fixture
def app(app: Flask, gateway: FakeSmsGateway) -> Flask:
    """conftest's app with the gateway on (and Twilio off), talking to the fake gateway."""
    from channels import smsgate

    app.config.update(gateway.config())
    smsgate.init_app(app)
    return app


def post_event(
    client: FlaskClient,
    event: str,
    payload: dict[str, Any],
    *,
    age: timedelta = timedelta(0),
    **options: Any,
) -> TestResponse:
    stamp = int((clock.now() - age).timestamp())
    body, headers = signed_event(event, payload, stamp, **options)
    return client.post(WEBHOOK, data=body, headers=headers)


def send_sms(client: FlaskClient, text: str, **options: Any) -> TestResponse:
    payload = {
        "messageId": "abc",  # the phone's own id: not unique, never used to dedupe
        "message": text,
        "phoneNumber": options.pop("sender", CITIZEN),
        "simNumber": 1,
        "receivedAt": clock.now().isoformat(),
    }
    return post_event(client, "sms:received", payload, **options)


def drain(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["outbox", "drain"])
    assert result.exit_code == 0, result.output
    return result.output


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_signed_sms_files_a_complaint_and_the_answer_leaves_through_the_phone(
    app: Flask, client: FlaskClient, gateway: FakeSmsGateway, app_ctx: Flask
) -> None:
    assert send_sms(client, REPORT).status_code == 204
    complaint = db.session.scalars(select(Complaint)).one()
    assert (complaint.channel, complaint.transport) == ("sms", "smsgate")
    assert complaint.reporter.phone == CITIZEN
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.transport == "smsgate"
    assert gateway.sent == []  # queued, not sent from the webhook

    drain(app)
    (message,) = gateway.sent
    assert message.phone_numbers == [CITIZEN]
    assert message.text.startswith("Aduan diterima. Kode: ") and complaint.code in message.text
    rows = db.session.scalars(select(OutboundMessage)).all()
    assert {row.transport for row in rows} == {"smsgate"}
    answer = next(row for row in rows if row.provider_message_id == message.id)
    assert answer.status == "sent"


@pytest.mark.parametrize(
    "options",
    [
        {"key": "not-the-signing-key"},
        {"age": timedelta(minutes=6)},
        {"age": -timedelta(minutes=6)},
    ],
    ids=["bad-signature", "too-old", "from-the-future"],
)
def test_a_badly_signed_or_stale_event_is_refused_and_nothing_is_stored(
    client: FlaskClient, gateway: FakeSmsGateway, app_ctx: Flask, options: dict[str, Any]
) -> None:
    response = send_sms(client, REPORT, **options)
    assert response.status_code == 403
    assert count(Complaint) == count(InboundReceipt) == count(OutboundMessage) == 0


def test_an_event_without_signature_headers_or_with_a_changed_body_is_refused(
    client: FlaskClient, app_ctx: Flask
) -> None:
    body, headers = signed_event("sms:received", {"message": REPORT}, int(clock.now().timestamp()))
    assert client.post(WEBHOOK, data=body).status_code == 403
    tampered = body.replace(b"Kabila", b"Tapa")
    assert client.post(WEBHOOK, data=tampered, headers=headers).status_code == 403
    assert count(Complaint) == 0


def test_the_same_event_delivered_twice_files_one_complaint_and_one_answer(
    app: Flask, client: FlaskClient, gateway: FakeSmsGateway, app_ctx: Flask
) -> None:
    assert send_sms(client, REPORT, event_id="evt-repeated").status_code == 204
    assert send_sms(client, REPORT, event_id="evt-repeated").status_code == 204
    assert count(Complaint) == 1
    drain(app)
    assert len(gateway.sent) == 1


def test_the_same_phone_message_id_in_two_events_is_two_messages(
    client: FlaskClient, app_ctx: Flask
) -> None:
    send_sms(client, REPORT)
    send_sms(
        client,
        "LAPOR Lampu jalan padam di desa Tanggilingo sejak tiga malam",
        sender="+6285298765432",
    )
    assert count(Complaint) == 2


def test_status_by_sms_is_answered_through_the_phone(
    app: Flask, client: FlaskClient, gateway: FakeSmsGateway, app_ctx: Flask
) -> None:
    send_sms(client, REPORT)
    code = db.session.scalars(select(Complaint)).one().code
    clock.set_now(clock.now() + timedelta(minutes=5))  # past the joining window
    send_sms(client, f"STATUS {code}")
    drain(app)
    assert len(gateway.sent) == 2
    status_answer = gateway.sent[1].text
    assert code in status_answer and status_answer != gateway.sent[0].text
    assert gateway.sent[1].phone_numbers == [CITIZEN]


def test_delivery_events_update_the_outbox_row(
    app: Flask, client: FlaskClient, gateway: FakeSmsGateway, app_ctx: Flask
) -> None:
    send_sms(client, REPORT)
    send_sms(
        client,
        "LAPOR Lampu jalan padam di desa Tanggilingo sejak tiga malam",
        sender="+6285298765432",
    )
    drain(app)
    first, second = gateway.sent
    phone = {"phoneNumber": CITIZEN, "simNumber": 1}
    post_event(client, "sms:sent", {"messageId": first.id, **phone, "partsCount": 1})
    assert post_event(client, "sms:delivered", {"messageId": first.id, **phone}).status_code == 204
    post_event(
        client, "sms:failed", {"messageId": second.id, **phone, "reason": "RESULT_ERROR_NO_SERVICE"}
    )
    # A late "sent" after "delivered" does not move the row back.
    post_event(client, "sms:sent", {"messageId": first.id, **phone, "partsCount": 1})
    db.session.expire_all()
    delivered = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.provider_message_id == first.id)
    ).one()
    assert (delivered.status, delivered.provider_status) == ("delivered", "delivered")
    failed = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.provider_message_id == second.id)
    ).one()
    assert failed.status == "failed" and "RESULT_ERROR_NO_SERVICE" in (failed.last_error or "")


def test_a_number_the_gateway_refuses_fails_for_good_and_an_outage_waits(
    app: Flask, client: FlaskClient, gateway: FakeSmsGateway, app_ctx: Flask
) -> None:
    send_sms(client, REPORT)
    gateway.go_down("error")
    drain(app)
    db.session.expire_all()
    row = db.session.scalars(select(OutboundMessage).where(OutboundMessage.status != "sent")).one()
    assert row.status == "pending" and row.attempts == 1
    gateway.recover()
    gateway.reject_next()
    clock.set_now(clock.now() + timedelta(hours=1))
    drain(app)
    db.session.expire_all()
    assert db.session.get(OutboundMessage, row.id).status == "failed"


@pytest.mark.parametrize("outage", ["refuse", "error"])
def test_an_answer_queued_while_the_phone_is_unreachable_arrives_once_when_it_is_back(
    app: Flask, client: FlaskClient, gateway: FakeSmsGateway, app_ctx: Flask, outage: str
) -> None:
    gateway.go_down(outage)  # the phone lost its signal, or the cloud server fails
    assert send_sms(client, REPORT).status_code == 204  # the webhook files it regardless
    code = db.session.scalars(select(Complaint)).one().code
    rows = assert_delivered_once_after_outage(
        app,
        go_down=lambda: gateway.go_down(outage),
        come_back=gateway.recover,
        received=lambda: gateway.sent,
    )
    (answer,) = gateway.sent
    assert answer.phone_numbers == [CITIZEN] and code in answer.text
    assert [row.provider_message_id for row in rows] == [answer.id]


def test_register_adds_the_five_webhooks_once(app: Flask, gateway: FakeSmsGateway) -> None:
    runner = app.test_cli_runner()
    url = "https://aduan.test/channels/sms/gateway"
    first = runner.invoke(args=["sms", "gateway", "register", url])
    assert first.exit_code == 0, first.output
    assert sorted(hook["event"] for hook in gateway.webhooks) == [
        "mms:downloaded",
        "sms:delivered",
        "sms:failed",
        "sms:received",
        "sms:sent",
    ]
    assert {hook["url"] for hook in gateway.webhooks} == {url}
    assert "mms:downloaded: registered -> https://aduan.test/" in first.output
    again = runner.invoke(args=["sms", "gateway", "register", url])
    assert again.exit_code == 0 and again.output.count("already registered") == 5
    assert len(gateway.webhooks) == 5


def test_register_and_status_exit_non_zero_when_the_gateway_cannot_be_reached(
    app: Flask, gateway: FakeSmsGateway
) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["sms", "gateway", "status"]).exit_code == 0
    gateway.go_down("refuse")
    failed = runner.invoke(args=["sms", "gateway", "register", "https://aduan.test/x"])
    assert failed.exit_code != 0 and "no answer from the gateway" in failed.output
    status = runner.invoke(args=["sms", "gateway", "status"])
    assert status.exit_code == 1 and "tidak dapat dihubungi" in status.output


def test_the_admin_page_tells_the_gateways_health_in_words(
    app: Flask, gateway: FakeSmsGateway, cast: Any
) -> None:
    admin = signed_in(app, cast.admin.email)
    page = admin.get("/staff/admin/").get_data(as_text=True)
    assert "Keadaan gateway" in page
    assert "dapat dihubungi, semua pemeriksaan lolos (diperiksa " in page and "WITA)" in page
    assert "SMS Gateway for Android" in page and "gateway ponsel Android" in page
    gateway.go_down("refuse")
    health.forget()
    page = admin.get("/staff/admin/").get_data(as_text=True)
    assert "tidak dapat dihubungi: gateway tidak menjawab" in page


def test_a_half_configured_gateway_stops_the_start() -> None:
    with pytest.raises(ConfigError, match="SMSGATE_SIGNING_KEY"):
        GatewaySettings.from_config({"SMSGATE_USERNAME": "u", "SMSGATE_PASSWORD": "p"})
    assert not GatewaySettings.from_config({}).configured


def test_with_twilio_on_too_the_citizen_is_answered_by_the_phone_and_staff_notices_by_twilio(
    app: Flask,
    client: FlaskClient,
    gateway: FakeSmsGateway,
    twilio_api: FakeTwilioApi,
    cast: Any,
) -> None:
    from channels import sms
    from complaints.outbox import enqueue

    app.config.update(twilio_api.config())
    sms.init_app(app)
    with app.app_context():
        send_sms(client, REPORT)
        enqueue("sms", "+6285298765432", "Pemberitahuan untuk petugas", "staff-notice-1")
        db.session.commit()
        drain(app)
    assert [message.phone_numbers for message in gateway.sent] == [[CITIZEN]]
    assert [request.value("To") for request in twilio_api.accepted] == ["+6285298765432"]
    page = signed_in(app, cast.admin.email).get("/staff/admin/").get_data(as_text=True)
    assert "Twilio (warga yang mengirim ke ponsel dijawab lewat ponsel)" in page


def test_a_staff_reply_reaches_the_citizen_by_sms_and_status_is_answered_by_the_phone(
    app: Flask, client: FlaskClient, gateway: FakeSmsGateway, cast: Any
) -> None:
    """Issue #22 for a basic phone: file by SMS, staff answer on their page, follow by SMS."""
    assert send_sms(client, REPORT).status_code == 204
    complaint = db.session.scalars(select(Complaint)).one()
    code = complaint.code
    drain(app)
    gateway.sent.clear()

    reply_and_note_as_staff(app, cast, code)
    drain(app)

    to_citizen = [m.text for m in gateway.sent if m.phone_numbers == [CITIZEN]]
    assert len(to_citizen) == len(gateway.sent) == 2  # verified, then the reply
    assert any(STAFF_REPLY in text for text in to_citizen)
    assert not any("anggaran" in text.lower() for text in to_citizen)
    assert_reply_sent_and_note_kept("smsgate", CITIZEN)

    gateway.sent.clear()
    clock.set_now(clock.now() + timedelta(minutes=5))  # past the joining window
    assert send_sms(client, f"STATUS {code}").status_code == 204
    drain(app)
    (answer,) = gateway.sent
    assert answer.phone_numbers == [CITIZEN] and code in answer.text
    assert "Diperiksa dan diteruskan ke instansi terkait." in answer.text  # verified, in words
    assert STAFF_REPLY in answer.text and "anggaran" not in answer.text.lower()


# --- photos sent by MMS (mms:downloaded) ------------------------------------------------------

MMS_REPORT = "LAPOR jalan rusak di depan Puskesmas Suwawa, aspal terkelupas dan berlubang dalam"
JPEG = photo_with_metadata("JPEG", size=(64, 48))
Part = tuple[bytes, str]  # an MMS part's bytes and declared content type


def send_mms(
    client: FlaskClient,
    gateway: FakeSmsGateway,
    text: str | None,
    parts: list[Part],
    *,
    inline: bool = False,
    message_id: str = "mms_0001",
    **options: Any,
) -> TestResponse:
    """An ``mms:downloaded`` event as the app posts it; the phone holds each part's bytes."""
    attachments = []
    for part_id, (content, content_type) in enumerate(parts, start=101):
        gateway.hold_attachment(message_id, part_id, content, content_type)
        attachment: dict[str, Any] = {
            "partId": part_id,
            "contentType": content_type,
            "name": f"part-{part_id}",
            "size": len(content),
        }
        if inline:
            attachment["data"] = base64.b64encode(content).decode()
        attachments.append(attachment)
    payload: dict[str, Any] = {
        "messageId": message_id,
        "phoneNumber": CITIZEN,
        "sender": CITIZEN,
        "recipient": "+6285200001111",
        "simNumber": 1,
        "receivedAt": clock.now().isoformat(),
        "attachments": attachments,
    }
    if text is not None:
        payload["body"] = text
    return post_event(client, "mms:downloaded", payload, **options)


@pytest.mark.parametrize("inline", [False, True], ids=["fetched-from-the-phone", "inline"])
def test_an_mms_report_with_a_jpeg_files_the_complaint_with_that_photo_for_staff(
    app: Flask, client: FlaskClient, gateway: FakeSmsGateway, cast: Any, inline: bool
) -> None:
    response = send_mms(client, gateway, MMS_REPORT, [(JPEG, "image/jpeg")], inline=inline)
    assert response.status_code == 204
    complaint = db.session.scalars(select(Complaint)).one()
    assert (complaint.channel, complaint.transport) == ("sms", "smsgate")
    assert complaint.description.startswith("jalan rusak di depan Puskesmas Suwawa")
    (photo,) = db.session.scalars(select(Attachment)).all()
    assert (photo.complaint_id, photo.content_type) == (complaint.id, "image/jpeg")
    assert photo.content == as_stored(JPEG)  # checked and re-encoded, without the EXIF
    expected_requests = [] if inline else ["/inbox/mms_0001/attachments/101"]
    assert gateway.attachment_requests == expected_requests

    admin = signed_in(app, cast.admin.email)
    page = admin.get(f"/staff/complaints/{complaint.code}").get_data(as_text=True)
    assert f"/staff/complaints/{complaint.code}/attachments/{photo.id}" in page
    shown = admin.get(f"/staff/complaints/{complaint.code}/attachments/{photo.id}")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.get_data() == as_stored(JPEG)

    drain(app)
    (answer,) = gateway.sent
    assert answer.phone_numbers == [CITIZEN] and complaint.code in answer.text


@pytest.mark.parametrize(
    "part",
    [
        (b"%PDF-1.4 surat keterangan", "application/pdf"),
        (b"<html>not a photo</html>", "image/jpeg"),
        (b"\xff\xd8\xff" + bytes(MAX_PHOTO_BYTES), "image/jpeg"),
    ],
    ids=["a-pdf", "not-an-image-despite-its-type", "larger-than-the-photo-limit"],
)
def test_an_attachment_that_is_no_photo_or_too_large_is_not_kept_but_the_text_files(
    client: FlaskClient,
    gateway: FakeSmsGateway,
    app_ctx: Flask,
    part: Part,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="channels.sms.media")
    assert send_mms(client, gateway, MMS_REPORT, [part]).status_code == 204
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.description.startswith("jalan rusak di depan Puskesmas Suwawa")
    assert count(Attachment) == 0
    fetched = part[1] == "image/jpeg"  # a declared non-image is never fetched
    assert len(gateway.attachment_requests) == (1 if fetched else 0)
    assert "skipping media" in caplog.text if fetched else "not fetching media" in caplog.text


def test_a_replayed_mms_event_files_once_with_one_photo_and_one_answer(
    app: Flask, client: FlaskClient, gateway: FakeSmsGateway, app_ctx: Flask
) -> None:
    for _ in range(2):
        response = send_mms(client, gateway, MMS_REPORT, [(JPEG, "image/jpeg")], event_id="e-9")
        assert response.status_code == 204
    assert count(Complaint) == count(Attachment) == 1
    drain(app)
    assert len(gateway.sent) == 1


def test_a_badly_signed_mms_event_is_refused_and_nothing_is_stored_or_fetched(
    client: FlaskClient, gateway: FakeSmsGateway, app_ctx: Flask
) -> None:
    response = send_mms(client, gateway, MMS_REPORT, [(JPEG, "image/jpeg")], key="wrong-key")
    assert response.status_code == 403
    assert count(Complaint) == count(Attachment) == count(InboundReceipt) == 0
    assert gateway.attachment_requests == []


def test_a_photo_mms_after_an_sms_report_joins_that_complaint(
    client: FlaskClient, gateway: FakeSmsGateway, app_ctx: Flask
) -> None:
    assert send_sms(client, REPORT).status_code == 204
    clock.set_now(clock.now() + timedelta(seconds=40))  # within the joining window
    assert send_mms(client, gateway, None, [(JPEG, "image/jpeg")]).status_code == 204
    complaint = db.session.scalars(select(Complaint)).one()
    (photo,) = db.session.scalars(select(Attachment)).all()
    assert photo.complaint_id == complaint.id


def test_an_inline_photo_above_64_kb_is_taken_and_a_body_past_the_limit_gets_413(
    client: FlaskClient, gateway: FakeSmsGateway, app_ctx: Flask
) -> None:
    large = photo_with_metadata("PNG", size=(400, 300))  # noisy enough to stay large
    large += bytes(120 * 1024)  # bytes after the image's end: dropped by re-encoding
    assert (
        send_mms(client, gateway, MMS_REPORT, [(large, "image/png")], inline=True).status_code
        == 204
    )
    assert count(Attachment) == 1 and gateway.attachment_requests == []
    huge = (b"\x89PNG" + bytes(MAX_WEBHOOK_BYTES), "image/png")
    response = send_mms(client, gateway, MMS_REPORT, [huge], inline=True, message_id="mms_2")
    assert response.status_code == 413
    assert count(Complaint) == 1
