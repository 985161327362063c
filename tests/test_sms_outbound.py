"""Outbound SMS through the outbox and the real twilio client, and Twilio's status callbacks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from channels.sms.settings import TwilioSettings
from channels.sms.transport import ApiHostHttpClient, TwilioTransport, build_client
from complaints import clock, workflow
from complaints.extensions import db
from complaints.models import OutboundMessage
from complaints.outbox import MAX_ATTEMPTS, TemporaryFailure, backlog, drain, enqueue
from complaints.workflow import Actor
from tests.fakes.twilio_api import FROM_NUMBER, FakeTwilioApi
from tests.sms_helpers import (  # noqa: F401 -- fixtures
    CITIZEN,
    PUBLIC_BASE,
    signed_post,
    sms_app_fixture,
    status_callback,
    twilio_api_fixture,
    twilio_server_fixture,
)


def queue_sms(body: str = "Aduan ADU-7K3Q-9M2X: Selesai.", to: str = CITIZEN) -> OutboundMessage:
    message = enqueue("sms", to, body, key=f"test-{to}-{body}")
    db.session.commit()
    return message


def the_message() -> OutboundMessage:
    message = db.session.scalars(select(OutboundMessage)).one()
    db.session.refresh(message)
    return message


def test_a_staff_reply_reaches_the_citizen_by_sms_with_a_status_callback(
    app_ctx, make_complaint, twilio_api: FakeTwilioApi
) -> None:
    complaint = make_complaint(status="in_progress", phone=CITIZEN, channel="sms")
    # Leave out the acknowledgement and status news queued on the way.
    db.session.execute(delete(OutboundMessage))
    db.session.commit()

    workflow.reply_to_citizen(complaint, Actor.system("test"), "Jalan ditambal hari Kamis.")
    workflow.commit()
    assert drain().as_json() == {"sent": 1, "failed": 0, "retrying": 0}

    [request] = twilio_api.sent_messages
    assert request.auth == (twilio_api.account_sid, twilio_api.auth_token)
    assert request.value("To") == CITIZEN
    assert request.value("From") == FROM_NUMBER
    body = request.value("Body") or ""
    assert complaint.code in body and body.endswith(": Jalan ditambal hari Kamis.")
    assert request.value("StatusCallback") == f"{PUBLIC_BASE}/channels/sms/twilio/status"
    message = the_message()
    assert message.status == "sent" and message.provider_message_id.startswith("SM")
    assert message.provider_status == "queued"


def test_typographic_characters_are_replaced_so_the_sms_stays_gsm7(
    app_ctx, twilio_api: FakeTwilioApi
) -> None:
    queue_sms("Balasan \u201cpetugas\u201d \u2014 sudah selesai\u2026")
    drain()
    assert twilio_api.sent_messages[0].value("Body") == 'Balasan "petugas" - sudah selesai...'


def test_a_twilio_outage_delays_messages_and_loses_none(app_ctx, twilio_api: FakeTwilioApi) -> None:
    twilio_api.fail_next(3, status=503)
    for number in range(3):
        queue_sms(f"pesan {number}")
    now = clock.now()
    assert drain(now).as_json() == {"sent": 0, "failed": 0, "retrying": 3}
    twilio_api.fail_next(1, status=429)
    later = drain(now + timedelta(minutes=5))
    assert later.sent == 2 and later.retrying == 1
    assert drain(now + timedelta(minutes=30)).sent == 1
    bodies = sorted(request.value("Body") or "" for request in twilio_api.sent_messages)
    # Seven attempts reached the fake, three were accepted, one of each message.
    assert len(twilio_api.sent_messages) == 7
    accepted = db.session.scalars(select(OutboundMessage.provider_message_id)).all()
    assert len(set(accepted)) == 3 and None not in accepted
    assert {"pesan 0", "pesan 1", "pesan 2"} <= set(bodies)


def test_an_invalid_number_fails_for_good_at_once(app_ctx, twilio_api: FakeTwilioApi) -> None:
    twilio_api.reject_number("+6281111111111", code=21211)
    queue_sms(to="+6281111111111")
    assert drain().as_json() == {"sent": 0, "failed": 1, "retrying": 0}
    message = the_message()
    assert message.status == "failed" and message.attempts == 1
    assert "21211" in (message.last_error or "")
    assert drain(clock.now() + timedelta(hours=7)).as_json()["sent"] == 0


def test_wrong_credentials_keep_messages_waiting(twilio_api: FakeTwilioApi) -> None:
    settings = TwilioSettings.from_config({**twilio_api.config(), "TWILIO_AUTH_TOKEN": "wrong"})
    transport = TwilioTransport("sms", FROM_NUMBER, build_client(settings), None)
    with pytest.raises(TemporaryFailure, match="20003"):
        transport.send(CITIZEN, "halo")


def test_a_network_failure_is_temporary() -> None:
    settings = TwilioSettings(
        account_sid="AC" + "0" * 32,
        auth_token="token",
        sms_from=FROM_NUMBER,
        whatsapp_from=None,
        api_base_url="http://127.0.0.1:9",  # discard port: connection refused
        public_base_url=None,
    )
    transport = TwilioTransport("sms", FROM_NUMBER, build_client(settings), None)
    with pytest.raises(TemporaryFailure):
        transport.send(CITIZEN, "halo")


def test_the_http_client_rewrites_every_twilio_host_and_nothing_else() -> None:
    client = ApiHostHttpClient("http://127.0.0.1:8080/prefix")
    assert (
        client.rewrite("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?x=1")
        == "http://127.0.0.1:8080/prefix/2010-04-01/Accounts/AC1/Messages.json?x=1"
    )
    assert client.rewrite("https://messaging.twilio.com/v1/Services").startswith(
        "http://127.0.0.1:8080/prefix/v1/"
    )
    assert client.rewrite("https://example.org/a") == "https://example.org/a"
    assert ApiHostHttpClient(None).rewrite("https://api.twilio.com/x") == (
        "https://api.twilio.com/x"
    )


def sent_and_callback(client, status: str, code: str | None = None) -> OutboundMessage:
    """Send one SMS through the fake, then report its fate like Twilio does."""
    queue_sms()
    assert drain().sent == 1
    sid = the_message().provider_message_id
    response = status_callback(client, sid, status, code)
    assert response.status_code == 204
    return the_message()


def test_a_delivered_callback_marks_the_message_delivered(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    queue_sms()
    drain()
    sid = the_message().provider_message_id
    for status in ("sent", "delivered", "sent"):  # a late "sent" must not undo "delivered"
        assert status_callback(client, sid, status).status_code == 204
    message = the_message()
    assert message.status == "delivered" and message.provider_status == "delivered"


def test_undelivered_with_a_temporary_error_is_sent_again(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    message = sent_and_callback(client, "undelivered", "30008")
    assert message.status == "pending" and message.attempts == 1
    assert "30008" in (message.last_error or "")
    assert message.next_attempt_at > clock.now()
    # The same callback again changes nothing.
    status_callback(client, message.provider_message_id, "undelivered", "30008")
    assert the_message().attempts == 1 and the_message().status == "pending"
    assert drain(clock.now() + timedelta(minutes=2)).sent == 1
    assert len(twilio_api.sent_messages) == 2
    assert the_message().status == "sent" and the_message().attempts == 2


def test_undelivered_to_an_unknown_number_is_flagged_failed_for_admins(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    message = sent_and_callback(client, "undelivered", "30005")
    assert message.status == "failed"
    assert message.last_error.startswith("undelivered 30005")
    assert backlog().failed == 1


def test_an_unreachable_handset_is_retried_a_few_times_only(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    message = sent_and_callback(client, "undelivered", "30003")
    moment = clock.now()
    for _ in range(2):
        assert message.status == "pending"
        moment += timedelta(hours=7)
        drain(moment)
        message = the_message()
        status_callback(client, message.provider_message_id, "undelivered", "30003")
        message = the_message()
    assert message.status == "failed" and message.attempts == 3 < MAX_ATTEMPTS


def test_a_failed_callback_after_the_last_attempt_fails_the_message(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    queue_sms()
    drain()
    message = the_message()
    message.attempts = MAX_ATTEMPTS
    db.session.commit()
    status_callback(client, message.provider_message_id, "failed", "30008")
    assert the_message().status == "failed"


def test_a_callback_for_an_unknown_sid_is_accepted_and_ignored(client, app_ctx) -> None:
    assert status_callback(client, "SM" + "f" * 32, "delivered").status_code == 204


def test_a_status_callback_needs_a_valid_signature(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    queue_sms()
    drain()
    sid = the_message().provider_message_id
    params = {"MessageSid": sid, "MessageStatus": "delivered"}
    forged = signed_post(client, "/channels/sms/twilio/status", params, token="not-the-token")
    assert forged.status_code == 403
    assert the_message().status == "sent"
