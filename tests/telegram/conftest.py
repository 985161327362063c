"""Fixtures for every Telegram test: the fake Bot API and an app whose bot talks to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.fakes.telegram_api import FakeTelegramApi, telegram_app


@pytest.fixture
def bot_api() -> Iterator[FakeTelegramApi]:
    with FakeTelegramApi.running() as api:
        yield api


@pytest.fixture
def app(app: Flask, database_url: str, bot_api: FakeTelegramApi) -> Iterator[Flask]:
    yield from telegram_app(app, database_url, bot_api)
