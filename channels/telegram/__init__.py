"""The Telegram channel: webhook, guided conversation, outbox transport, staff linking.

On when ``TELEGRAM_BOT_TOKEN`` is set; the ``flask telegram`` commands exist
either way and explain what is missing. Set-up is in this package's README.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlparse

from flask import Flask

from complaints.extensions import csrf
from complaints.outbox import register_transport

from .cli import WEBHOOK_PATH, telegram_cli
from .client import TelegramClient
from .linking import issue_link_code
from .transport import TelegramTransport
from .updates import EXTENSION
from .views import bp

logger = logging.getLogger(__name__)

__all__ = ["channel_status", "init_app", "issue_link_code"]


def init_app(app: Flask) -> None:
    """Register the CLI always; the webhook, client and transport when a token is set."""
    app.cli.add_command(telegram_cli)
    token = app.config.get("TELEGRAM_BOT_TOKEN")
    if not token:
        logger.info("Telegram channel is off: TELEGRAM_BOT_TOKEN is not set")
        return
    # Telegram posts without a CSRF token and from a few shared addresses; the
    # secret header is what authenticates it, and the rate limit counts per chat.
    csrf.exempt(bp)
    app.register_blueprint(bp)
    client = TelegramClient(token, app.config["TELEGRAM_API_BASE_URL"])
    app.extensions[EXTENSION] = client
    register_transport(app, TelegramTransport(client))
    if app.config.get("TELEGRAM_WEBHOOK_SECRET"):
        logger.info("Telegram channel is on (Bot API at %s)", client.base_url)
    else:
        logger.warning(
            "Telegram channel is on, but TELEGRAM_WEBHOOK_SECRET is not set: the webhook "
            "refuses every update (use `flask telegram poll` for development)"
        )


def channel_status(app: Flask) -> dict[str, Any]:
    """What the admin page shows about the channel (never the token or the secret).

    Keys after ``channel`` and ``configured`` are shown to admins as they are,
    like the SMS channel's.
    """
    status: dict[str, Any] = {
        "channel": "telegram",
        "configured": EXTENSION in app.extensions,
    }
    if not status["configured"]:
        return status
    base = (app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    status["webhook"] = f"{base}{WEBHOOK_PATH}"
    status["webhook secret"] = (
        "set"
        if app.config.get("TELEGRAM_WEBHOOK_SECRET")
        else "not set: the webhook refuses every update (polling only)"
    )
    status["Bot API"] = urlparse(app.config["TELEGRAM_API_BASE_URL"]).netloc
    return status
