"""The admin page's channel list: every channel, on or off, in words — e-mail's two halves,
the phone gateway and WhatsApp's Cloud API like Telegram and Twilio.

Channels are switched on the way start-up does (each module's ``init_app``
with its settings in the app's config); nothing is sent, and the gateway's
health probe finds nobody listening on 127.0.0.1:9.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask import Flask

from channels import email, sms, smsgate, telegram, whatsapp
from tests.conftest import Cast
from tests.staff_helpers import signed_in
from tests.test_staff_no_raw_values import codes, raw_values

NOBODY = "http://127.0.0.1:9"


def every_channel_on(app: Flask) -> None:
    app.config.update(
        PUBLIC_BASE_URL="https://aduan.test",
        TELEGRAM_BOT_TOKEN="123456:test-token",
        TELEGRAM_WEBHOOK_SECRET="secret",
        TELEGRAM_API_BASE_URL=f"{NOBODY}/bot",
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="token",
        TWILIO_FROM_NUMBER="+6281100002222",
        TWILIO_API_BASE_URL=NOBODY,
        SMSGATE_API_URL=f"{NOBODY}/3rdparty/v1",
        SMSGATE_USERNAME="GATEWAYUSER",
        SMSGATE_PASSWORD="gateway-password",
        SMSGATE_SIGNING_KEY="gateway-signing-key",
        WHATSAPP_ACCESS_TOKEN="token",
        WHATSAPP_PHONE_NUMBER_ID="106540352242922",
        WHATSAPP_APP_SECRET="secret",
        WHATSAPP_VERIFY_TOKEN="verify",
        WHATSAPP_API_BASE_URL=NOBODY,
        MAIL_SERVER="smtp.bonebolangokab.go.id",
        MAIL_PORT=587,
        MAIL_DEFAULT_SENDER="Aduan Bone Bolango <aduan@bonebolangokab.go.id>",
        IMAP_HOST="imap.bonebolangokab.go.id",
        IMAP_USERNAME="aduan@bonebolangokab.go.id",
        IMAP_PASSWORD="imap-secret",
    )
    for module in (telegram, sms, smsgate, whatsapp, email):
        module.init_app(app)


def channel_rows(app: Flask, cast: Cast, lang: str) -> tuple[str, list[str]]:
    """The admin page, and the text of each row of its channel table."""
    page = signed_in(app, cast.admin.email).get(f"/staff/admin/?lang={lang}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in table.split("<tr>")]
    return html, [row for row in rows if row]


def raw_values_beside_addresses(app: Flask, html: str, lang: str) -> list[str]:
    """What the page shows raw, leaving out webhook addresses (whose paths name channels)."""
    category_codes, unit_codes = codes(app)
    found = raw_values(html, lang, category_codes, unit_codes)
    return [problem for problem in found if "'https://aduan.test/channels/" not in problem]


def row_of(rows: list[str], start: str, containing: str = "") -> str:
    found = [row for row in rows if row.startswith(start) and containing in row]
    assert len(found) == 1, (start, containing, rows)
    return found[0]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_with_every_channel_off_each_is_listed_off_in_words(
    app: Flask, cast: Cast, lang: str
) -> None:
    html, rows = channel_rows(app, cast, lang)
    off = "nonaktif: kredensial belum diatur" if lang == "id" else "off: credentials not set"
    mail = row_of(rows, "Email" if lang == "id" else "E-mail")
    assert off in mail
    if lang == "id":
        assert "Surat keluar (server SMTP): nonaktif: MAIL_SERVER dan MAIL_DEFAULT_SENDER" in mail
        assert "Kotak surat yang dibaca untuk aduan (IMAP): nonaktif: IMAP_HOST" in mail
    else:
        assert "Outgoing mail (SMTP server): off: MAIL_SERVER and MAIL_DEFAULT_SENDER" in mail
    assert off in row_of(rows, "SMS", "SMS Gateway for Android")
    assert off in row_of(rows, "WhatsApp", "WhatsApp Cloud API (Meta)")
    assert off in row_of(rows, "Telegram")
    assert all(off in row for row in rows if not row.startswith(("Formulir", "Online")))
    assert not raw_values_beside_addresses(app, html, lang)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_with_every_channel_on_each_is_listed_on_with_its_details_in_words(
    app: Flask, cast: Cast, lang: str
) -> None:
    every_channel_on(app)
    html, rows = channel_rows(app, cast, lang)
    on = "aktif" if lang == "id" else "on"
    assert len(rows) == 6  # web, Telegram, Twilio, the gateway, the Cloud API, e-mail
    for row in rows:
        assert re.search(rf"\b{on}\b", row) and "nonaktif" not in row and "off:" not in row, row
    mail = row_of(rows, "Email" if lang == "id" else "E-mail")
    assert "smtp.bonebolangokab.go.id:587" in mail and "imap.bonebolangokab.go.id (INBOX)" in mail
    gateway = row_of(rows, "SMS", "SMS Gateway for Android")
    assert "https://aduan.test/channels/sms/gateway" in gateway
    if lang == "id":
        assert "Surat keluar (server SMTP): smtp" in mail
        assert "Keadaan gateway: tidak dapat dihubungi" in gateway
    cloud = row_of(rows, "WhatsApp", "WhatsApp Cloud API (Meta)")
    assert "https://aduan.test/channels/whatsapp/webhook" in cloud and "106540352242922" in cloud
    for raw in ("outbound:", "mailbox:", "gateway health", "default sender", ": off", "(no "):
        assert raw not in " ".join(rows), raw
    assert not raw_values_beside_addresses(app, html, lang)
