"""Fixtures for every Telegram test: the fake Bot API and an app whose bot talks to it."""

from tests.fakes.telegram_api import bot_api_fixture, telegram_app_fixture  # noqa: F401 -- fixtures
