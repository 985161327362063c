"""Secrets and citizens' contact details never reach the logs, even at DEBUG.

One app with every channel on (the real python-telegram-bot and twilio
clients against the fake servers) goes through intake, staff sign-in, API
token auth, both webhooks and failing outbound sends while every logger
records at DEBUG; then every log record, as a handler would write it, is
searched for the secrets and the citizens' numbers and addresses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import create_app
from complaints.extensions import db
from complaints.models import Complaint
from complaints.outbox import drain
from tests.api_helpers import bearer
from tests.conftest import STAFF_PASSWORD, Cast, IsolatedClient, _test_config, csrf_token_from
from tests.fakes.telegram_api import TOKEN, WEBHOOK_SECRET, Citizen, FakeTelegramApi
from tests.fakes.twilio_api import AUTH_TOKEN, FakeTwilioApi
from tests.sms_helpers import inbound_params, signature

WEB_PHONE = "+6281311112222"
WEB_EMAIL = "warga.kabila@example.com"
API_PHONE = "+6285244443333"
API_EMAIL = "pelapor.api@example.com"
SMS_PHONE = "+6282155556666"
TELEGRAM_PHONE = "+6281377778888"
WRONG_PASSWORD = "not-the-password-42"


@dataclass
class Channels:
    app: Flask
    bot_api: FakeTelegramApi
    twilio_api: FakeTwilioApi


@pytest.fixture
def channels(app: Flask, database_url: str) -> Iterator[Channels]:
    """conftest's database, with Telegram and SMS on against the fake providers."""
    twilio_api = FakeTwilioApi().start()
    try:
        with FakeTelegramApi.running() as bot_api:
            application = create_app(
                {**_test_config(database_url), **bot_api.config(), **twilio_api.config()}
            )
            application.test_client_class = IsolatedClient
            try:
                yield Channels(application, bot_api, twilio_api)
            finally:
                with application.app_context():
                    application.extensions["aduan_telegram"].close()
                    db.session.remove()
                    db.engine.dispose()
    finally:
        twilio_api.stop()


def spellings(phone: str) -> list[str]:
    """+6281311112222, 6281311112222, 081311112222 and the bare national digits."""
    national = phone.removeprefix("+62")
    return [phone, phone.lstrip("+"), "0" + national, national]


def logged_text(records: list[logging.LogRecord]) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in records]


def leaks(lines: list[str], needles: dict[str, str]) -> list[str]:
    found = []
    for line in lines:
        digits = re.sub(r"\D", "", line)
        for label, needle in needles.items():
            if needle in line or (needle.isdigit() and len(needle) >= 10 and needle in digits):
                found.append(f"{label}: {line[:200]}")
    return found


def sign_in(client: FlaskClient, email: str, password: str) -> int:
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/staff/login", data=data).status_code


def test_nothing_secret_or_personal_is_logged_at_debug(
    channels: Channels, cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    app, bot_api, twilio_api = channels.app, channels.bot_api, channels.twilio_api
    caplog.set_level(logging.DEBUG)
    # An operator chasing a database problem turns SQL logging on.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    client = app.test_client()

    # Intake on the web form and the API.
    page = client.get("/complaints/new").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token_from(page),
        "kind": "complaint",
        "category": "road-damage",
        "description": "Jalan berlubang besar di depan kantor desa Kabila.",
        "name": "Rahmat Hidayat",
        "phone": WEB_PHONE,
        "email": WEB_EMAIL,
    }
    assert client.post("/complaints/new", data=form).status_code == 302
    body = {
        "category": "road-damage",
        "description": "Lampu jalan mati sepanjang Jalan Trans Sulawesi.",
        "name": "Nurul Huda",
        "phone": API_PHONE,
        "email": API_EMAIL,
    }
    assert client.post("/api/v1/complaints", json=body).status_code == 201

    # Staff sign-in, wrong then right; API token auth, wrong then right.
    assert sign_in(app.test_client(), cast.officer_a.email, WRONG_PASSWORD) == 401
    assert sign_in(app.test_client(), cast.officer_a.email, STAFF_PASSWORD) == 302
    with app.app_context():
        headers = bearer(db.session.get(type(cast.admin), cast.admin.id))
    secret_token = headers["Authorization"].removeprefix("Bearer ")
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    forged = {"Authorization": "Bearer " + secret_token[::-1]}
    assert client.get("/api/v1/complaints", headers=forged).status_code == 401

    # Telegram: the right secret, a wrong one, a citizen sharing their phone.
    citizen = Citizen(chat_id=444_000_222, language_code="id")
    hook = "/channels/telegram/webhook"
    secret = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    assert client.post(hook, json=citizen.text("/start"), headers=secret).status_code == 200
    assert (
        client.post(hook, json=citizen.contact(TELEGRAM_PHONE), headers=secret).status_code == 200
    )
    wrong = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET + "x"}
    assert client.post(hook, json=citizen.text("/help"), headers=wrong).status_code == 403

    # Twilio: a signed report by SMS and a forged one.
    params = inbound_params("LAPOR jembatan di Desa Tapa hampir putus, tolong", sender=SMS_PHONE)
    url = "https://aduan.test/channels/sms/twilio"
    signed = {"X-Twilio-Signature": signature(params, url)}
    assert client.post("/channels/sms/twilio", data=params, headers=signed).status_code == 200
    unsigned = {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
    assert client.post("/channels/sms/twilio", data=params, headers=unsigned).status_code == 403

    # Outbound: Twilio refuses one number for good (its error quotes the number, as the
    # real API's does), and the Bot API is down for a moment.
    twilio_api.reject_number(WEB_PHONE, message=f"The 'To' number {WEB_PHONE} is not valid.")
    bot_api.fail_next_sends(1)
    with app.app_context():
        drain()
        assert db.session.scalars(select(Complaint)).all()

    lines = logged_text(caplog.records)
    assert len(lines) > 10, "the run logged next to nothing: is DEBUG on?"
    needles = {
        "staff password": STAFF_PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "API token": secret_token,
        "bot token": TOKEN.split(":", 1)[1],
        "webhook secret": WEBHOOK_SECRET,
        "Twilio auth token": AUTH_TOKEN,
        "web e-mail": WEB_EMAIL,
        "API e-mail": API_EMAIL,
    }
    for phone in (WEB_PHONE, API_PHONE, SMS_PHONE, TELEGRAM_PHONE):
        for number, spelling in enumerate(spellings(phone)):
            needles[f"phone {phone} ({number})"] = spelling
    found = leaks(lines, needles)
    assert not found, "logged:\n" + "\n".join(found)
    # Masked, not dropped: the log still tells which message failed and roughly to whom.
    assert any("+62813****222" in line and "failed" in line for line in lines)
    assert any("INSERT INTO complaints" in line for line in lines)


def test_masking_keeps_what_an_operator_needs_to_read_a_log() -> None:
    from complaints.log_masking import mask

    assert mask("to +6281234567890: refused") == "to +62812****890: refused"
    assert mask("SMS dari 0812-3456-7890") == "SMS dari 081234****890"
    assert mask("WaId 6281234567890") == "WaId 628123****890"
    assert mask("reply to siti.rahma@example.com") == "reply to s***@example.com"
    untouched = (
        "complaint ADU-7K3Q-9M2X: received -> verified by staff; update 700000123; "
        "from 203.0.113.9 at 2026-11-25T02:00:00+00:00; message SM00000001ab12; 42 due"
    )
    assert mask(untouched) == untouched


def test_a_traceback_quoting_a_number_is_masked_too(caplog: pytest.LogCaptureFixture) -> None:
    from complaints import log_masking

    log_masking.install()  # what create_app does; idempotent
    caplog.set_level(logging.ERROR)
    try:
        raise ValueError("provider refused +6281234567890 (pelapor.api@example.com)")
    except ValueError:
        logging.getLogger("channels.test").exception("delivery failed")
    [written] = logged_text(caplog.records)
    assert "ValueError: provider refused +62812****890 (p***@example.com)" in written
    assert "6281234567890" not in written and API_EMAIL not in written
