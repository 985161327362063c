"""``/status CODE`` draws on the daily code-lookup budget, counted per chat.

The tracking page, the API and Open311 give each client address a daily
budget of code lookups (CODE_LOOKUPS_PER_DAY). Telegram delivers every
chat's updates from its own addresses, so the bot counts the same budget per
chat: a chat that spends it is told so, politely and in its language, and
every other chat still looks codes up.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from complaints import create_app
from complaints.extensions import db
from tests.conftest import MakeComplaint, _test_config
from tests.fakes.telegram_api import Citizen, FakeTelegramApi
from tests.telegram.test_telegram_conversation import post

BUDGET = 3


@pytest.fixture
def limited_app(database_url: str, app: Flask, bot_api: FakeTelegramApi) -> Iterator[Flask]:
    """The Telegram app with rate limits on and a budget of BUDGET lookups a day."""
    application = create_app(
        {
            **_test_config(database_url),
            **bot_api.config(),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "CODE_LOOKUPS_PER_DAY": f"{BUDGET}/day",
        }
    )
    yield application
    with application.app_context():
        application.extensions["aduan_telegram"].close()
        db.engine.dispose()


def status(client: FlaskClient, api: FakeTelegramApi, citizen: Citizen, argument: str) -> str:
    """Send ``/status ARGUMENT`` from the citizen's chat; the bot's answer."""
    assert post(client, citizen.text(f"/status {argument}".strip())).status_code == 200
    return api.texts_to(citizen.chat_id)[-1]


def test_a_chat_that_spends_its_code_lookups_is_refused_and_other_chats_are_not(
    limited_app: Flask, bot_api: FakeTelegramApi, make_complaint: MakeComplaint
) -> None:
    code = make_complaint(status="verified").code
    client = limited_app.test_client()
    guesser = Citizen(chat_id=555_000_901, language_code="id")

    # A bare /status looks nothing up and costs nothing.
    assert "/status ADU-7K3Q-9M2X" in status(client, bot_api, guesser, "")
    for _ in range(BUDGET):
        assert code in status(client, bot_api, guesser, code)
    refused = status(client, bot_api, guesser, code)
    assert code not in refused
    assert "Hari ini Anda sudah memeriksa banyak kode pelacakan" in refused
    assert "/saya" in refused
    # Past the budget nothing is looked up, known code or not.
    assert status(client, bot_api, guesser, "ADU-0000-0000") == refused

    # Another chat, in English, still has its own budget.
    other = Citizen(chat_id=555_000_902, language_code="en")
    for _ in range(BUDGET):
        assert code in status(client, bot_api, other, code)
    assert "You have looked up many tracking codes today" in status(client, bot_api, other, code)
