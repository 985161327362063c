"""WhatsApp through Meta's Cloud API: verify handshake, signed webhooks, the Graph API out.

httpx talks to a fake Graph API on 127.0.0.1; notifications are signed with
``X-Hub-Signature-256`` as Meta signs them. Twilio (with its WhatsApp
sender) is on as well, as on a regency that moves from one to the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from complaints import clock, workflow
from complaints.extensions import db
from complaints.models import (
    Attachment,
    Category,
    Complaint,
    Conversation,
    InboundReceipt,
    OutboundMessage,
)
from complaints.workflow import Actor
from tests.fakes.twilio_api import FakeTwilioApi
from tests.fakes.whatsapp_api import (
    VERIFY_TOKEN,
    FakeGraphApi,
    message,
    notification,
)
from tests.outage_helpers import assert_delivered_once_after_outage
from tests.sms_helpers import (  # noqa: F401 -- fixtures
    reply_to,
    twilio_api_fixture,
    twilio_server_fixture,
)
from tests.staff_helpers import (
    STAFF_REPLY,
    assert_reply_sent_and_note_kept,
    reply_and_note_as_staff,
)

WEBHOOK = "/channels/whatsapp/webhook"
CITIZEN_DIGITS = "6281234567890"
CITIZEN = "+" + CITIZEN_DIGITS
REPORT = "LAPOR Jalan berlubang besar di depan SDN 3 Kabila, sudah sebulan tidak diperbaiki"


@pytest.fixture(scope="session")
def graph_server() -> Iterator[FakeGraphApi]:
    server = FakeGraphApi().start()
    yield server
    server.stop()


@pytest.fixture
def graph(graph_server: FakeGraphApi) -> Iterator[FakeGraphApi]:
    graph_server.reset()
    yield graph_server
    graph_server.reset()


@pytest.fixture
def app(app: Flask, twilio_api: FakeTwilioApi, graph: FakeGraphApi) -> Flask:
    """conftest's app with Twilio (SMS and WhatsApp) and the Cloud API both on."""
    from channels import sms, whatsapp

    app.config.update(twilio_api.config())
    app.config.update(graph.config())
    sms.init_app(app)
    whatsapp.init_app(app)
    return app


def post(client: FlaskClient, *messages: dict[str, Any], **options: Any) -> TestResponse:
    body, headers = notification({"messages": list(messages)}, **options)
    return client.post(WEBHOOK, data=body, headers=headers)


def text(body: str, wamid: str | None = None) -> dict[str, Any]:
    return message(CITIZEN_DIGITS, "text", {"body": body}, wamid)


def drain(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["outbox", "drain"])
    assert result.exit_code == 0, result.output


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def reply_row() -> OutboundMessage:
    """The answer queued for the citizen (intake's acknowledgement is marked answered by it)."""
    return db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.key.like("wa-reply-%"))
    ).one()


def texts_sent(graph: FakeGraphApi) -> list[str]:
    return [payload["text"]["body"] for payload in graph.sent if payload["type"] == "text"]


def test_the_verify_handshake_answers_only_the_right_token(client: FlaskClient) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    answer = client.get(WEBHOOK, query_string=query)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "1158201444")
    for wrong in (
        {"hub.verify_token": "guess"},
        {"hub.mode": "unsubscribe"},
        {"hub.verify_token": ""},
    ):
        assert client.get(WEBHOOK, query_string={**query, **wrong}).status_code == 403


def test_a_signed_text_files_a_complaint_answered_through_the_cloud_api(
    app: Flask, client: FlaskClient, graph: FakeGraphApi, twilio_api: FakeTwilioApi, app_ctx: Flask
) -> None:
    assert post(client, text(REPORT)).status_code == 200
    complaint = db.session.scalars(select(Complaint)).one()
    assert (complaint.channel, complaint.transport) == ("whatsapp", "cloud")
    assert complaint.reporter.phone == CITIZEN
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.transport == "cloud"
    assert conversation.last_inbound_at is not None

    drain(app)
    (answer,) = texts_sent(graph)
    assert answer.startswith("Aduan diterima. Kode: ") and complaint.code in answer
    sent = next(p for p in graph.sent if p["type"] == "text")
    assert sent["to"] == CITIZEN_DIGITS
    rows = db.session.scalars(select(OutboundMessage)).all()
    assert {row.transport for row in rows} == {"cloud"}
    assert twilio_api.accepted == []  # nothing left through Twilio


def test_a_bad_signature_is_refused_and_nothing_stored(client: FlaskClient, app_ctx: Flask) -> None:
    assert post(client, text(REPORT), secret="not-the-app-secret").status_code == 403
    body, headers = notification({"messages": [text(REPORT)]})
    assert (
        client.post(WEBHOOK, data=body, headers={"Content-Type": "application/json"}).status_code
        == 403
    )
    tampered = body.replace(b"berlubang", b"berlobang")
    assert client.post(WEBHOOK, data=tampered, headers=headers).status_code == 403
    assert all(
        count(model) == 0 for model in (Complaint, InboundReceipt, Conversation, OutboundMessage)
    )


def test_the_same_wamid_twice_files_one_complaint(
    app: Flask, client: FlaskClient, graph: FakeGraphApi, app_ctx: Flask
) -> None:
    assert post(client, text(REPORT, "wamid.same-1")).status_code == 200
    assert post(client, text(REPORT, "wamid.same-1")).status_code == 200
    assert count(Complaint) == 1
    drain(app)
    assert len(texts_sent(graph)) == 1


def test_a_photo_is_downloaded_from_the_graph_api_and_attached(
    app: Flask, client: FlaskClient, graph: FakeGraphApi, app_ctx: Flask
) -> None:
    photo = message(
        CITIZEN_DIGITS,
        "image",
        {"id": "1479537139650973", "mime_type": "image/jpeg", "caption": REPORT},
    )
    assert post(client, photo).status_code == 200
    complaint = db.session.scalars(select(Complaint)).one()
    (attachment,) = db.session.scalars(select(Attachment)).all()
    assert attachment.complaint_id == complaint.id and attachment.content_type == "image/jpeg"
    assert graph.media_requests == 1


def test_a_shared_location_sets_the_complaints_coordinates(
    app: Flask, client: FlaskClient, graph: FakeGraphApi, app_ctx: Flask
) -> None:
    post(client, text(REPORT))
    pin = {"latitude": 0.5312, "longitude": 123.0598, "name": "SDN 3 Kabila", "address": "Kabila"}
    assert post(client, message(CITIZEN_DIGITS, "location", pin)).status_code == 200
    complaint = db.session.scalars(select(Complaint)).one()
    db.session.refresh(complaint)
    assert (complaint.lat, complaint.lon) == (0.5312, 123.0598)
    drain(app)
    assert any(complaint.code in body for body in texts_sent(graph)[1:])


def test_a_list_reply_chooses_the_category_offered_for_an_unclear_report(
    app: Flask, client: FlaskClient, graph: FakeGraphApi, app_ctx: Flask
) -> None:
    post(client, text("LAPOR tolong diperiksa, keadaannya sudah parah sekali sejak minggu lalu"))
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.category.code == "other"
    (offer,) = [p for p in graph.sent if p["type"] == "interactive"]
    assert offer["interactive"]["type"] == "list"
    rows = offer["interactive"]["action"]["sections"][0]["rows"]
    assert 2 <= len(rows) <= 10 and all(len(row["title"]) <= 24 for row in rows)
    target = db.session.scalars(select(Category).where(Category.code != "other")).first()
    assert target is not None
    row = next(row for row in rows if row["id"].startswith(f"category:{target.code}:"))
    choice = {"type": "list_reply", "list_reply": {"id": row["id"], "title": row["title"]}}
    assert post(client, message(CITIZEN_DIGITS, "interactive", choice)).status_code == 200
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).category.code == target.code


def test_privacy_buttons_after_a_bare_report_choose_anonymity(
    app: Flask, client: FlaskClient, graph: FakeGraphApi, app_ctx: Flask
) -> None:
    post(client, text("LAPOR"))
    (offer,) = [p for p in graph.sent if p["type"] == "interactive"]
    buttons = offer["interactive"]["action"]["buttons"]
    assert offer["interactive"]["type"] == "button" and len(buttons) == 3
    tap = {"type": "button_reply", "button_reply": {"id": "privacy:anonymous", "title": "Anonim"}}
    post(client, message(CITIZEN_DIGITS, "interactive", tap))
    post(client, text("Lampu jalan di depan kantor desa Tapa mati sudah dua minggu"))
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.anonymous and complaint.transport == "cloud"


def test_an_answer_after_24_hours_goes_as_the_approved_template(
    app: Flask, client: FlaskClient, graph: FakeGraphApi, app_ctx: Flask
) -> None:
    post(client, text(REPORT))
    drain(app)
    graph.sent.clear()
    complaint = db.session.scalars(select(Complaint)).one()
    clock.set_now(clock.now() + timedelta(hours=25))
    workflow.verify_complaint(complaint, Actor.system())
    workflow.commit()
    drain(app)
    (template,) = [p for p in graph.sent if p["type"] == "template"]
    assert template["template"]["name"] == "aduan_status"
    parameters = template["template"]["components"][0]["parameters"]
    assert parameters[0]["text"] == complaint.code and parameters[1]["text"]
    assert texts_sent(graph) == []


def test_a_re_engagement_error_falls_back_to_the_template(
    app: Flask, client: FlaskClient, graph: FakeGraphApi, app_ctx: Flask
) -> None:
    graph.fail_next(131047)
    post(client, text(REPORT))
    drain(app)
    (template,) = [p for p in graph.sent if p["type"] == "template"]
    assert template["template"]["name"] == "aduan_diterima"
    row = reply_row()
    assert row.status == "sent"


@pytest.mark.parametrize("outage", ["refuse", "error"])
def test_an_answer_queued_while_the_graph_api_is_down_arrives_once_when_it_is_back(
    app: Flask,
    client: FlaskClient,
    graph: FakeGraphApi,
    twilio_api: FakeTwilioApi,
    app_ctx: Flask,
    outage: str,
) -> None:
    graph.go_down(outage)
    assert post(client, text(REPORT)).status_code == 200  # Meta's webhook still reaches us
    code = db.session.scalars(select(Complaint)).one().code
    rows = assert_delivered_once_after_outage(
        app,
        go_down=lambda: graph.go_down(outage),
        come_back=graph.recover,
        received=lambda: graph.sent,
    )
    (answer,) = graph.sent
    assert answer["to"] == CITIZEN_DIGITS and code in answer["text"]["body"]
    assert all(row.transport == "cloud" for row in rows)
    assert twilio_api.accepted == []  # the other WhatsApp provider never stood in


def test_statuses_update_the_outbox_row(
    app: Flask, client: FlaskClient, graph: FakeGraphApi, app_ctx: Flask
) -> None:
    post(client, text(REPORT))
    drain(app)
    row = reply_row()
    wamid = row.provider_message_id
    assert wamid and wamid.startswith("wamid.fake-")

    def status(state: str, **extra: Any) -> None:
        entry = {
            "id": wamid,
            "status": state,
            "timestamp": "1700000001",
            "recipient_id": CITIZEN_DIGITS,
        }
        body, headers = notification({"statuses": [{**entry, **extra}]})
        assert client.post(WEBHOOK, data=body, headers=headers).status_code == 200

    status("read")
    status("delivered")  # late: does not move back
    db.session.refresh(row)
    assert (row.status, row.provider_status) == ("delivered", "read")


def test_a_failed_status_marks_the_row_failed(
    app: Flask, client: FlaskClient, graph: FakeGraphApi, app_ctx: Flask
) -> None:
    post(client, text(REPORT))
    drain(app)
    row = reply_row()
    failure = {"code": 131026, "title": "Message undeliverable"}
    body, headers = notification(
        {"statuses": [{"id": row.provider_message_id, "status": "failed", "errors": [failure]}]}
    )
    assert client.post(WEBHOOK, data=body, headers=headers).status_code == 200
    db.session.refresh(row)
    assert row.status == "failed" and "131026" in (row.last_error or "")


def test_a_twilio_whatsapp_complaint_still_answers_through_twilio(
    app: Flask, client: FlaskClient, graph: FakeGraphApi, twilio_api: FakeTwilioApi, app_ctx: Flask
) -> None:
    answer = reply_to(client, REPORT, sender="whatsapp:+6281299990000")
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.code in answer and complaint.transport in (None, "twilio")
    workflow.verify_complaint(complaint, Actor.system())
    workflow.commit()
    drain(app)
    assert graph.sent == []
    assert any(request.value("To") == "whatsapp:+6281299990000" for request in twilio_api.accepted)


def test_a_staff_reply_reaches_the_citizen_on_whatsapp_and_status_is_answered_there(
    app: Flask,
    client: FlaskClient,
    graph: FakeGraphApi,
    twilio_api: FakeTwilioApi,
    cast: Any,
) -> None:
    """Issue #22 on WhatsApp: file by a Cloud API text, staff answer on their page, follow it."""
    assert post(client, text(REPORT)).status_code == 200
    complaint = db.session.scalars(select(Complaint)).one()
    code = complaint.code
    drain(app)
    graph.sent.clear()

    clock.set_now(clock.now() + timedelta(hours=2))  # later the same day: inside the 24 hours
    reply_and_note_as_staff(app, cast, code)
    drain(app)

    assert {payload["to"] for payload in graph.sent} == {CITIZEN_DIGITS}
    assert [payload["type"] for payload in graph.sent] == ["text", "text"]  # verified, reply
    assert any(STAFF_REPLY in body for body in texts_sent(graph))
    assert not any("anggaran" in body.lower() for body in texts_sent(graph))
    assert_reply_sent_and_note_kept("cloud", CITIZEN)

    graph.sent.clear()
    assert post(client, text(f"STATUS {code}")).status_code == 200
    drain(app)
    (answer,) = texts_sent(graph)
    assert code in answer and "Diperiksa dan diteruskan ke instansi terkait." in answer
    assert STAFF_REPLY in answer and "anggaran" not in answer.lower()
    assert twilio_api.accepted == []  # nothing went through Twilio
