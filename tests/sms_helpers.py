"""Talking to the SMS channel the way Twilio does: signed form posts, TwiML answers.

Import the three ``*_fixture`` functions into a test module to switch the
channel on there: they provide ``app`` (conftest's, same database life
cycle, with the real twilio client pointed at a fake Twilio API on
127.0.0.1), ``twilio_api`` and ``twilio_server``.
"""

from __future__ import annotations

import itertools
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilioApi

CITIZEN = "+6281234567890"
OTHER_CITIZEN = "+6285298765432"
PUBLIC_BASE = "https://aduan.test"
WEBHOOK = "/channels/sms/twilio"
STATUS_CALLBACK = "/channels/sms/twilio/status"

_counter = itertools.count(1)


@pytest.fixture(scope="session", name="twilio_server")
def twilio_server_fixture() -> Iterator[FakeTwilioApi]:
    """One fake Twilio API per test process (starting a server per test is slow)."""
    api = FakeTwilioApi().start()
    yield api
    api.stop()


@pytest.fixture(name="twilio_api")
def twilio_api_fixture(twilio_server: FakeTwilioApi) -> Iterator[FakeTwilioApi]:
    """The fake Twilio API, with nothing recorded or configured from earlier tests."""
    twilio_server.reset()
    yield twilio_server
    twilio_server.reset()


@pytest.fixture(name="app")
def sms_app_fixture(app: Flask, twilio_api: FakeTwilioApi) -> Flask:
    """conftest's app with the SMS channel on, talking to the fake Twilio API."""
    from channels import sms

    app.config.update(twilio_api.config())
    sms.init_app(app)
    return app


def new_sid(prefix: str = "SM") -> str:
    return f"{prefix}{next(_counter):08d}{secrets.token_hex(12)}"


def signature(params: dict[str, str], url: str, token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature exactly as Twilio computes it."""
    return RequestValidator(token).compute_signature(url, params)


def signed_post(
    client: FlaskClient,
    path: str,
    params: dict[str, str],
    *,
    token: str = AUTH_TOKEN,
    url: str | None = None,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    signed_url = url or PUBLIC_BASE + path
    all_headers = {"X-Twilio-Signature": signature(params, signed_url, token)}
    all_headers.update(headers or {})
    return client.post(path, data=params, headers=all_headers)


def inbound_params(
    body: str,
    *,
    sender: str = CITIZEN,
    sid: str | None = None,
    media: Sequence[tuple[str, str]] = (),
    to: str = FROM_NUMBER,
) -> dict[str, str]:
    """The form fields Twilio posts for an incoming SMS, MMS or WhatsApp message."""
    message_sid = sid or new_sid("MM" if media else "SM")
    whatsapp = sender.startswith("whatsapp:")
    params = {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": message_sid,
        "NumMedia": str(len(media)),
        "ToCity": "",
        "FromZip": "",
        "SmsSid": message_sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "ID",
        "To": f"whatsapp:{to}" if whatsapp else to,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": message_sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    if whatsapp:
        params["ProfileName"] = "Warga"
        params["WaId"] = sender.removeprefix("whatsapp:+")
    for index, (media_url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"] = media_url
        params[f"MediaContentType{index}"] = content_type
    return params


def send_sms(client: FlaskClient, body: str, **options: Any) -> TestResponse:
    """Post a signed inbound message; assert Twilio would accept the answer."""
    response = signed_post(client, WEBHOOK, inbound_params(body, **options))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    return response


def twiml_messages(response: TestResponse) -> list[str]:
    """The <Message> bodies of a TwiML answer."""
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    return [element.text or "" for element in root.findall("Message")]


def reply_to(client: FlaskClient, body: str, **options: Any) -> str:
    """Send a message and return the one SMS the service answers with."""
    messages = twiml_messages(send_sms(client, body, **options))
    assert len(messages) == 1, messages
    return messages[0]


def status_callback(
    client: FlaskClient, message_sid: str, status: str, error_code: str | None = None
) -> TestResponse:
    params = {
        "SmsSid": message_sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": CITIZEN,
        "MessageSid": message_sid,
        "AccountSid": ACCOUNT_SID,
        "From": FROM_NUMBER,
        "ApiVersion": "2010-04-01",
    }
    if error_code is not None:
        params["ErrorCode"] = error_code
    return signed_post(client, STATUS_CALLBACK, params)
