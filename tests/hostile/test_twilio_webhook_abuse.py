"""Abuse of Twilio's webhooks: ``POST /channels/sms/twilio`` and ``…/twilio/status``.

Forged or missing signatures are refused with 403 before anything is
stored; huge bodies with 413; malformed or mistyped requests with a clean
4xx; a replayed MessageSid never files a second complaint.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Complaint, InboundReceipt
from tests.sms_helpers import (  # noqa: F401 -- fixtures
    CITIZEN,
    PUBLIC_BASE,
    STATUS_CALLBACK,
    WEBHOOK,
    inbound_params,
    new_sid,
    signature,
    signed_post,
    sms_app_fixture,
    twilio_api_fixture,
    twilio_server_fixture,
)

REPORT = "LAPOR Jalan berlubang besar di depan SD Negeri 1 Kabila"


def complaints() -> int:
    return db.session.scalar(select(func.count(Complaint.id))) or 0


def receipts() -> int:
    return db.session.scalar(select(func.count(InboundReceipt.id))) or 0


FORGED_HEADERS = (
    {},
    {"X-Twilio-Signature": ""},
    {"X-Twilio-Signature": "\x00"},
    {"X-Twilio-Signature": "A" * 10_000},
    {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
)


def test_a_missing_or_forged_signature_is_refused_with_403(
    client: FlaskClient, app_ctx: Flask
) -> None:
    for path in (WEBHOOK, STATUS_CALLBACK):
        for headers in FORGED_HEADERS:
            response = client.post(path, data=inbound_params(REPORT), headers=headers)
            assert response.status_code == 403, (path, headers)
    assert complaints() == 0 and receipts() == 0


def test_a_signature_for_another_url_or_token_is_refused(client: FlaskClient, app_ctx) -> None:
    params = inbound_params(REPORT)
    for url, token in (
        (PUBLIC_BASE + STATUS_CALLBACK, None),  # signed for the other endpoint
        ("https://evil.example" + WEBHOOK, None),
        (PUBLIC_BASE + WEBHOOK, "someone-elses-token"),
    ):
        forged = signature(params, url, token) if token else signature(params, url)
        response = client.post(WEBHOOK, data=params, headers={"X-Twilio-Signature": forged})
        assert response.status_code == 403
    assert complaints() == 0


def test_a_huge_body_is_refused_with_413(client: FlaskClient, app_ctx) -> None:
    # Many fields, each small: under the per-field limit, far over anything Twilio sends.
    params = {f"Field{index}": "x" * 4000 for index in range(500)}
    params.update(inbound_params(REPORT))
    for path in (WEBHOOK, STATUS_CALLBACK):
        assert signed_post(client, path, params).status_code == 413, path
    assert complaints() == 0 and receipts() == 0


MISTYPED = (
    (b'{"MessageSid": "SM1", "From": "+6281234567890", "Body": "LAPOR x"}', "application/json"),
    (b"<xml/>", "application/xml"),
    (b"\xff\xfe\x00\x01", "application/octet-stream"),
    (b"--x\r\nbroken multipart", "multipart/form-data; boundary=x"),
    (b"Body=%ZZ%&From=%00&MessageSid=", "application/x-www-form-urlencoded"),
)
STRANGE_FIELDS = (
    {"From": ""},
    {"MessageSid": ""},
    {"From": "not-a-number"},
    {"From": "+62\x00812"},
    {"Body": "LAPOR \x00\x00 jalan rusak di desa \x00"},
    {"Body": "LAPOR " + "\U0001f6a7" * 4096},  # the longest WhatsApp message, all emoji
    {"NumMedia": "999"},
    {"NumMedia": "-1", "MediaUrl0": "file:///etc/passwd"},
    {"MediaUrl0": "http://169.254.169.254/latest/meta-data/", "NumMedia": "1"},
)


def test_malformed_mistyped_or_strange_requests_get_a_clean_answer(
    client: FlaskClient, app_ctx: Flask
) -> None:
    # Signed as Twilio would sign whatever form fields the body parses to (none here),
    # so the request gets past the signature and into the parsing.
    headers = {"X-Twilio-Signature": signature({}, PUBLIC_BASE + WEBHOOK)}
    for body, content_type in MISTYPED:
        response = client.post(WEBHOOK, data=body, content_type=content_type, headers=headers)
        assert 400 <= response.status_code < 500, (content_type, response.status_code)
    for overrides in STRANGE_FIELDS:
        params = {**inbound_params(REPORT), **overrides}
        response = signed_post(client, WEBHOOK, params)
        assert response.status_code in (200, 400), (overrides, response.get_data(as_text=True))
    for complaint in db.session.scalars(select(Complaint)):
        assert "\x00" not in complaint.description


def test_a_replayed_message_sid_files_one_complaint(client: FlaskClient, app_ctx) -> None:
    params = inbound_params(REPORT, sid=new_sid())
    answers = [signed_post(client, WEBHOOK, params) for _ in range(3)]
    assert {answer.status_code for answer in answers} == {200}
    assert complaints() == 1
    # The same text under a new MessageSid is a new message (a citizen may report twice).
    signed_post(client, WEBHOOK, inbound_params(REPORT, sid=new_sid()))
    assert complaints() == 2


def test_a_replayed_status_callback_changes_nothing_twice(
    client: FlaskClient, app_ctx: Flask
) -> None:
    params = {
        "MessageSid": new_sid(),
        "MessageStatus": "delivered",
        "AccountSid": "AC" + "0" * 32,
        "To": CITIZEN,
    }
    for _ in range(3):
        assert signed_post(client, STATUS_CALLBACK, params).status_code == 204
    garbage = dict(params, MessageStatus="\x00" * 40, ErrorCode="x" * 500)
    assert signed_post(client, STATUS_CALLBACK, garbage).status_code in (204, 400)
