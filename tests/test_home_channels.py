"""The home page and the form name only the channels that are on, and exactly how to use them.

A channel is on when its credentials are set (the admin's channel state):
the tests switch SMS and Telegram on the way start-up does, through the
channel's ``init_app`` with the settings in the app's config. Nothing is sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from channels import email, sms, smsgate, telegram, whatsapp
from complaints.config import ConfigError, env_phone, load_config
from tests.browser_helpers import PHONE, check_screen
from tests.conftest import visible_text

SMS_NUMBER = "+6281100002222"
WHATSAPP_NUMBER = "+6285200003333"
BOT = "AduanBoneBolangoBot"
GATEWAY_SIM = "0812-3456-7890"
CLOUD_NUMBER = "+62 811-4400-5566"
MAILBOX = "pengaduan@bonebolangokab.go.id"


def home(app: Flask, lang: str = "id") -> str:
    response = app.test_client().get(f"/?lang={lang}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def form(app: Flask) -> str:
    response = app.test_client().get("/complaints/new")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def sms_on(app: Flask, **extra: str) -> None:
    settings = {
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_FROM_NUMBER": SMS_NUMBER,
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",  # never called: nothing is sent
    }
    app.config.update({**settings, **extra})
    sms.init_app(app)


def gateway_on(app: Flask, number: str | None = GATEWAY_SIM) -> None:
    """The Android phone gateway on (nothing is sent: its API is never called)."""
    app.config.update(
        SMSGATE_API_URL="http://127.0.0.1:9/3rdparty/v1",
        SMSGATE_USERNAME="GATEWAYUSER",
        SMSGATE_PASSWORD="gateway-password",
        SMSGATE_SIGNING_KEY="gateway-signing-key",
        SMSGATE_PHONE_NUMBER=env_phone({"NUMBER": number or ""}, "NUMBER"),
    )
    smsgate.init_app(app)


def cloud_on(app: Flask, number: str | None = CLOUD_NUMBER) -> None:
    """WhatsApp's Cloud API on (nothing is sent)."""
    app.config.update(
        WHATSAPP_ACCESS_TOKEN="token",
        WHATSAPP_PHONE_NUMBER_ID="106540352242922",
        WHATSAPP_APP_SECRET="secret",
        WHATSAPP_VERIFY_TOKEN="verify",
        WHATSAPP_API_BASE_URL="http://127.0.0.1:9",
        WHATSAPP_DISPLAY_NUMBER=env_phone({"NUMBER": number or ""}, "NUMBER"),
    )
    whatsapp.init_app(app)


def mailbox_on(app: Flask, username: str = MAILBOX, **extra: str) -> None:
    """The mailbox read for complaints (never opened here: nothing is polled)."""
    app.config.update(
        IMAP_HOST="imap://127.0.0.1:9", IMAP_USERNAME=username, IMAP_PASSWORD="secret", **extra
    )
    email.init_app(app)


def telegram_on(app: Flask, username: str | None) -> None:
    app.config.update(
        TELEGRAM_BOT_TOKEN="123456:test-token",
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
        TELEGRAM_BOT_USERNAME=username,
    )
    telegram.init_app(app)


def test_with_every_channel_off_the_home_page_offers_the_form_and_the_desk_only(
    app: Flask,
) -> None:
    html = home(app)
    shown = visible_text(html)
    for absent in ("SMS", "LAPOR", "Telegram", "WhatsApp", "t.me", "wa.me"):
        assert absent not in shown and absent not in html, absent
    assert "Datang langsung" in shown and "Mal Pelayanan Publik" in shown
    assert 'href="/complaints/new"' in html and 'href="/stats"' in html


def test_with_sms_on_the_home_page_gives_the_number_and_the_keywords(app: Flask) -> None:
    sms_on(app)
    html = home(app)
    shown = visible_text(html)
    assert "Kirim SMS ke 0811-0000-2222" in shown
    assert 'href="sms:+6281100002222"' in html
    assert "LAPOR diikuti isi laporan Anda" in shown
    assert "STATUS ADU-XXXX-XXXX" in shown
    # WhatsApp only when its own sender is set; Telegram is still off.
    assert "WhatsApp" not in shown and "Telegram" not in shown
    english = visible_text(home(app, "en"))
    assert "Send an SMS to 0811-0000-2222" in english and "LAPOR followed by your report" in english


def test_an_alphanumeric_sms_sender_is_not_offered_as_a_number_to_text(app: Flask) -> None:
    sms_on(app, TWILIO_FROM_NUMBER="BONEBOL")
    assert "Kirim SMS ke" not in visible_text(home(app))


def test_whatsapp_is_listed_when_its_sender_is_set(app: Flask) -> None:
    sms_on(app, TWILIO_WHATSAPP_FROM=f"whatsapp:{WHATSAPP_NUMBER}")
    html = home(app)
    assert "lewat WhatsApp ke 0852-0000-3333" in visible_text(html)
    assert 'href="https://wa.me/6285200003333"' in html


def test_telegram_is_listed_with_the_bots_name_and_link(app: Flask) -> None:
    telegram_on(app, BOT)
    html = home(app)
    assert f'href="https://t.me/{BOT}"' in html
    assert f"Buka bot kami @{BOT} lalu tekan Start" in visible_text(html)
    assert "SMS" not in visible_text(html)


def test_telegram_without_a_username_says_to_find_the_bot_without_a_link(app: Flask) -> None:
    telegram_on(app, None)
    html = home(app)
    assert "Cari bot kami di Telegram" in visible_text(html)
    assert "t.me" not in html


def test_the_form_promises_no_sms_while_sms_is_off(app: Flask) -> None:
    off = visible_text(form(app))
    assert "SMS" not in off
    assert "Setelah mengirim, Anda mendapat kode pelacakan" in off
    assert "Petugas dapat menelepon Anda" in off


def test_the_form_promises_sms_updates_when_sms_is_on(app: Flask) -> None:
    sms_on(app)
    on = visible_text(form(app))
    assert "Cantumkan nomor HP untuk menerima kabar perkembangan lewat SMS" in on
    assert "Perkembangan laporan kami kirim lewat SMS" in on
    assert "Petugas dapat menelepon Anda" not in on


def test_the_form_does_not_ask_for_an_email_no_channel_can_use(app: Flask) -> None:
    html = form(app)
    assert 'name="email"' not in html and "E-mail" not in visible_text(html)


def test_the_bots_username_is_read_strictly(tmp_path) -> None:
    read = load_config(tmp_path, {"SECRET_KEY": "x", "TELEGRAM_BOT_USERNAME": "@Aduan_Bot"})
    assert read["TELEGRAM_BOT_USERNAME"] == "Aduan_Bot"
    assert load_config(tmp_path, {"SECRET_KEY": "x"})["TELEGRAM_BOT_USERNAME"] is None
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_USERNAME"):
        load_config(tmp_path, {"SECRET_KEY": "x", "TELEGRAM_BOT_USERNAME": "t.me/bad bot"})


def test_with_the_phone_gateway_on_the_home_page_gives_its_sim_number(app: Flask) -> None:
    gateway_on(app)
    html = home(app)
    shown = visible_text(html)
    assert "Kirim SMS ke 0812-3456-7890" in shown and "LAPOR diikuti isi laporan Anda" in shown
    assert 'href="sms:+6281234567890"' in html
    assert "WhatsApp" not in shown  # its own sender is not on


def test_the_gateways_sim_comes_before_twilios_number(app: Flask) -> None:
    sms_on(app)
    gateway_on(app)
    shown = visible_text(home(app))
    assert "Kirim SMS ke 0812-3456-7890" in shown and "0811-0000-2222" not in shown


def test_a_gateway_without_its_sim_number_names_no_number(app: Flask) -> None:
    gateway_on(app, None)
    shown = visible_text(home(app))
    assert "Kirim SMS ke" not in shown and "LAPOR" not in shown
    # The form still promises SMS updates: the phone can send them.
    assert "lewat SMS" in visible_text(form(app))


def test_the_sim_number_is_not_shown_while_the_gateway_is_off(app: Flask) -> None:
    app.config["SMSGATE_PHONE_NUMBER"] = "+6281234567890"
    app.config["WHATSAPP_DISPLAY_NUMBER"] = "+6281144005566"
    shown = visible_text(home(app))
    assert "0812-3456-7890" not in shown and "WhatsApp" not in shown


def test_with_the_cloud_api_on_the_home_page_gives_its_whatsapp_number(app: Flask) -> None:
    sms_on(app, TWILIO_WHATSAPP_FROM=f"whatsapp:{WHATSAPP_NUMBER}")
    cloud_on(app)
    html = home(app)
    assert "lewat WhatsApp ke 0811-4400-5566" in visible_text(html)
    assert 'href="https://wa.me/6281144005566"' in html and "0852-0000-3333" not in html
    english = visible_text(home(app, "en"))
    assert "by WhatsApp to 0811-4400-5566" in english


def test_the_numbers_people_write_to_are_read_strictly(tmp_path) -> None:
    env = {"SECRET_KEY": "x", "SMSGATE_PHONE_NUMBER": "0812-3456-7890"}
    env["WHATSAPP_DISPLAY_NUMBER"] = "+62 811 4400 5566"
    read = load_config(tmp_path, env)
    assert read["SMSGATE_PHONE_NUMBER"] == "+6281234567890"
    assert read["WHATSAPP_DISPLAY_NUMBER"] == "+6281144005566"
    assert load_config(tmp_path, {"SECRET_KEY": "x"})["SMSGATE_PHONE_NUMBER"] is None
    for name in ("SMSGATE_PHONE_NUMBER", "WHATSAPP_DISPLAY_NUMBER"):
        with pytest.raises(ConfigError, match=name):
            load_config(tmp_path, {"SECRET_KEY": "x", name: "LAPOR-1234"})


def test_with_the_gateway_and_the_cloud_api_on_the_home_page_fits_a_phone(
    app: Flask, live_server: str, open_browser: Any
) -> None:
    gateway_on(app)
    cloud_on(app)
    telegram_on(app, BOT)
    mailbox_on(app)
    for lang in ("id", "en"):
        page = open_browser(viewport=PHONE)
        page.goto(f"{live_server}/?lang={lang}")
        ways = page.locator(".ways").inner_text()
        assert "0812-3456-7890" in ways and "0811-4400-5566" in ways and "LAPOR" in ways
        assert MAILBOX in ways
        check_screen(page, f"home-gateway-cloud-{lang}")
        assert page.csp_blocked == []


def test_with_the_mailbox_read_the_home_page_gives_its_address(app: Flask) -> None:
    mailbox_on(app)
    html = home(app)
    assert f"Kirim aduan Anda lewat e-mail ke {MAILBOX}" in visible_text(html)
    assert f'href="mailto:{MAILBOX}"' in html
    # Outbound mail is off: no promise of an answer by e-mail.
    assert "kami kirim lewat e-mail" not in visible_text(html)
    english = visible_text(home(app, "en"))
    assert f"Send your report by e-mail to {MAILBOX}" in english


def test_with_outbound_mail_on_too_the_home_page_says_the_answer_comes_by_mail(
    app: Flask,
) -> None:
    mailbox_on(app, MAIL_SERVER="127.0.0.1", MAIL_DEFAULT_SENDER=f"Aduan <{MAILBOX}>")
    shown = visible_text(home(app))
    assert "Jawabannya, beserta kode pelacakan, kami kirim lewat e-mail." in shown
    assert "The answer, with your tracking code, comes back by e-mail." in visible_text(
        home(app, "en")
    )


def test_no_mailbox_address_is_shown_while_the_mailbox_is_off_or_its_login_is_no_address(
    app: Flask,
) -> None:
    # Outbound mail alone: its sender is where notices come from, not a mailbox we read.
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_DEFAULT_SENDER=MAILBOX)
    email.init_app(app)
    html = home(app)
    assert MAILBOX not in html and "mailto:" not in html and "way-email" not in html
    mailbox_on(app, "pengaduan")  # a bare login name tells citizens nothing
    html = home(app)
    assert "lewat e-mail ke" not in visible_text(html) and "mailto:" not in html
