"""``flask telegram poll | set-webhook | delete-webhook`` against the fake Bot API."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from channels.telegram import channel_status
from complaints import create_app
from complaints.extensions import db
from complaints.models import Conversation, InboundReceipt
from tests.conftest import _test_config
from tests.fakes.telegram_api import WEBHOOK_SECRET, Citizen

WEBHOOK_URL = "https://aduan.bonebolangokab.go.id/channels/telegram/webhook"


def app_without_database(tmp_path: Path, **settings: object) -> Flask:
    """For commands that stop before touching the database (nothing is migrated)."""
    return create_app({**_test_config(f"sqlite:///{tmp_path}/unused.db"), **settings})


def test_poll_once_processes_a_batch_like_the_webhook_does(app, app_ctx, bot_api) -> None:
    citizen = Citizen()
    greeting, report = citizen.text("/start"), citizen.text("/lapor")
    bot_api.queue_update(greeting)
    bot_api.queue_update(report)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["telegram", "poll", "--once", "--timeout", "0"])
    assert result.exit_code == 0, result.output
    assert "Processed 2 update(s)." in result.output
    texts = bot_api.texts_to(citizen.chat_id)
    assert texts[0].startswith("Welcome to Aduan")
    assert texts[1] == "Which topic is your report about?"
    assert db.session.scalar(select(func.count(InboundReceipt.id))) == 2
    assert db.session.scalars(select(Conversation)).one().state == "category"
    # The batch was confirmed to Telegram (getUpdates with the next offset): nothing comes back.
    assert bot_api.calls_to("getUpdates")[-1].params["offset"] == str(report["update_id"] + 1)
    assert bot_api.updates == []

    bot_api.queue_update(greeting)  # delivered again, as after a crash before confirming
    result = runner.invoke(args=["telegram", "poll", "--once", "--timeout", "0"])
    assert "Processed 0 update(s)." in result.output
    assert len(bot_api.texts_to(citizen.chat_id)) == 2


def test_set_webhook_registers_the_url_with_the_secret(tmp_path, bot_api) -> None:
    app = app_without_database(tmp_path, **bot_api.config())
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["telegram", "set-webhook", WEBHOOK_URL])
        assert result.exit_code == 0, result.output
        [call] = bot_api.calls_to("setWebhook")
        assert call.params["url"] == WEBHOOK_URL
        assert call.params["secret_token"] == WEBHOOK_SECRET
        assert call.params["allowed_updates"] == ["message", "edited_message", "callback_query"]

        # Telegram refuses polling while a webhook is set; the command says what to do.
        result = runner.invoke(args=["telegram", "poll", "--once", "--timeout", "0"])
        assert result.exit_code == 1 and "flask telegram delete-webhook" in result.output
        assert runner.invoke(args=["telegram", "delete-webhook"]).exit_code == 0
        assert bot_api.webhook_url is None

        for bad in ("http://aduan.example/channels/telegram/webhook", "not a url"):
            result = runner.invoke(args=["telegram", "set-webhook", bad])
            assert result.exit_code == 2 and "https://" in result.output
        app.config["TELEGRAM_WEBHOOK_SECRET"] = None
        result = runner.invoke(args=["telegram", "set-webhook", WEBHOOK_URL])
        assert result.exit_code == 1 and "TELEGRAM_WEBHOOK_SECRET is not set" in result.output
        assert len(bot_api.calls_to("setWebhook")) == 1
        assert channel_status(app) == {
            "channel": "telegram",
            "configured": True,
            "webhook": "https://aduan.test/channels/telegram/webhook",
            "webhook secret": "not set: the webhook refuses every update (polling only)",
            "Bot API": bot_api.base_url.split("/")[2],
        }
    finally:
        app.extensions["aduan_telegram"].close()


def test_without_a_token_the_channel_is_off_and_the_commands_say_why(tmp_path) -> None:
    app = app_without_database(tmp_path)
    runner = app.test_cli_runner()
    for command in (["poll", "--once"], ["set-webhook", WEBHOOK_URL], ["delete-webhook"]):
        result = runner.invoke(args=["telegram", *command])
        assert result.exit_code == 1
        assert "TELEGRAM_BOT_TOKEN is not set" in result.output
    assert app.test_client().post("/channels/telegram/webhook", json={}).status_code == 404
    assert channel_status(app) == {"channel": "telegram", "configured": False}
    assert "telegram" not in app.extensions.get("aduan_transports", {})
