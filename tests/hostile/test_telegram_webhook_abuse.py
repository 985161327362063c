"""Abuse of ``POST /channels/telegram/webhook``: malformed, huge, mistyped, forged, replayed.

Whatever arrives, the webhook answers a clean 4xx (or 200 for something
Telegram sent that we merely ignore), never a 500, and a replayed update
never files a second complaint.
"""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from channels.telegram.views import SECRET_HEADER
from complaints import create_app
from complaints.extensions import db
from complaints.models import Attachment, Complaint, InboundReceipt
from tests.conftest import _test_config
from tests.fakes.telegram_api import (  # noqa: F401 -- fixtures
    WEBHOOK_SECRET,
    Citizen,
    FakeTelegramApi,
    bot_api_fixture,
    button,
    message_id_of,
    telegram_app_fixture,
)
from tests.telegram.test_telegram_conversation import post, press, reach_confirmation

WEBHOOK = "/channels/telegram/webhook"


def complaints() -> int:
    return db.session.scalar(select(func.count(Complaint.id))) or 0


def raw_post(
    client: FlaskClient, body: bytes, content_type: str, secret: str | None = WEBHOOK_SECRET
):
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return client.post(WEBHOOK, data=body, content_type=content_type, headers=headers)


MALFORMED = (
    b"",
    b"{",
    b"null",
    b"[]",
    b'"update"',
    b'{"update_id": "x"}',
    b'{"update_id": 1, "message": "hello"}',
    b'{"update_id": 1, "message": {"chat": {"id": "nan"}}}',
    b'{"update_id": -1, "message": {"message_id": 1, "date": 0, "chat": null}}',
    b"\xff\xfe\x00garbage",
    json.dumps({"update_id": 2**70, "message": {"text": "x" * 5000}}).encode(),
)
WRONG_TYPES = (
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
)


def test_malformed_or_mistyped_updates_get_a_clean_answer_and_file_nothing(
    client: FlaskClient, app_ctx: Flask
) -> None:
    for body in MALFORMED:
        response = raw_post(client, body, "application/json")
        assert response.status_code in (200, 400), (body[:40], response.status_code)
    update = json.dumps(Citizen().text("/start")).encode()
    for content_type in WRONG_TYPES:
        assert raw_post(client, update, content_type).status_code in (400, 415), content_type
    assert complaints() == 0


def test_a_huge_body_is_refused_with_413_before_it_is_parsed(
    database_url: str, app: Flask, bot_api: FakeTelegramApi
) -> None:
    # With rate limits on, the per-chat limit's key reads the body first: it must be capped too.
    limited = create_app(
        {**_test_config(database_url), **bot_api.config(), "RATELIMIT_ENABLED": True}
    )
    try:
        update = Citizen().text("/start " + "A" * (3 * 1024 * 1024))
        response = raw_post(limited.test_client(), json.dumps(update).encode(), "application/json")
        assert response.status_code == 413
        assert not bot_api.calls_to("sendMessage")
    finally:
        with limited.app_context():
            limited.extensions["aduan_telegram"].close()
            db.engine.dispose()


def test_a_forged_or_missing_secret_is_refused_with_403(
    client: FlaskClient, app_ctx: Flask, bot_api: FakeTelegramApi
) -> None:
    body = json.dumps(Citizen().text("/start")).encode()
    for secret in (None, "", "wrong", WEBHOOK_SECRET + "x", WEBHOOK_SECRET.upper(), "\u00e9"):
        response = raw_post(client, body, "application/json", secret=secret)
        assert response.status_code == 403, secret
    assert not bot_api.calls_to("sendMessage")
    assert db.session.scalar(select(func.count(InboundReceipt.id))) == 0


def test_a_replayed_send_never_files_a_second_complaint(
    client: FlaskClient, app_ctx: Flask, bot_api: FakeTelegramApi
) -> None:
    citizen = Citizen(chat_id=555_000_777)
    reach_confirmation(client, bot_api, citizen)
    last = bot_api.last_sent_to(citizen.chat_id)
    send = citizen.press(button(last, "Send"), message_id_of(last))
    for _ in range(3):  # Telegram redelivers an update it thinks we missed
        assert post(client, send).status_code == 200
    # A second tap on the same button is a new update: still one complaint.
    assert post(client, citizen.press(button(last, "Send"), message_id_of(last))).status_code == 200
    assert complaints() == 1


def test_photos_that_are_not_images_or_are_bombs_are_never_stored(
    client: FlaskClient, app_ctx: Flask, bot_api: FakeTelegramApi
) -> None:
    citizen = Citizen(chat_id=555_000_778)
    evil = {
        "AgACAgUAAxkBhtml": b"<html><script>alert(1)</script></html>",
        "AgACAgUAAxkBbomb": declared_huge_png(),
    }
    post(client, citizen.text("/lapor"))
    press(client, bot_api, citizen, "Waste and cleanliness")
    post(client, citizen.text("Rubbish has not been collected in Desa Huntu for two weeks."))
    for file_id, content in evil.items():
        bot_api.add_file(file_id, content)
        assert post(client, citizen.photo(file_id, size=len(content))).status_code == 200
    press(client, bot_api, citizen, "Done")
    post(client, citizen.text("Skip"))
    post(client, citizen.text("Skip"))
    press(client, bot_api, citizen, "Send")
    assert {call.params["file_path"] for call in bot_api.calls_to("download")} >= {
        f"photos/{file_id}.jpg" for file_id in evil
    }  # the bot really fetched them
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert complaints() == 0
    refusal = bot_api.texts_to(citizen.chat_id)[-2]
    assert refusal.endswith("Only JPEG, PNG, WebP or GIF photos are accepted."), refusal


def declared_huge_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG whose header declares ``width`` × ``height`` pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    # One row of zeros, compressed: the declared image would inflate to ~300 MB.
    pixels = zlib.compress(b"\x00" * (1 + (width + 7) // 8), 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_nul_characters_in_a_citizens_text_never_reach_the_database(
    client: FlaskClient, app_ctx: Flask, bot_api: FakeTelegramApi
) -> None:
    citizen = Citizen(chat_id=555_000_779)
    assert post(client, citizen.text("/status ADU-\x00\x00")).status_code == 200
    post(client, citizen.text("/lapor"))
    press(client, bot_api, citizen, "Waste and cleanliness")
    description = "Sampah\x00 menumpuk di pasar Kabila\x00 sejak dua minggu."
    assert post(client, citizen.text(description)).status_code == 200
    press(client, bot_api, citizen, "Skip")
    post(client, citizen.text("Skip"))
    post(client, citizen.text("Skip"))
    assert post(client, citizen.press(*send_button(bot_api, citizen))).status_code == 200
    stored = db.session.scalars(select(Complaint)).one()
    assert "\x00" not in stored.description and "pasar Kabila" in stored.description


def send_button(api: FakeTelegramApi, citizen: Citizen) -> tuple[str, int]:
    last = api.last_sent_to(citizen.chat_id)
    return button(last, "Send"), message_id_of(last)
