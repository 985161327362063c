"""``flask telegram poll | set-webhook URL | delete-webhook``.

Polling is for development (no public HTTPS URL needed); production uses
the webhook. Both feed updates through :func:`updates.process_update`, so
deduplication and the conversation behave the same.
"""

from __future__ import annotations

import logging
import re
import signal
import time
from types import FrameType
from typing import Any
from urllib.parse import urlparse

import click
from flask import current_app
from flask.cli import AppGroup
from telegram import Update
from telegram.error import Conflict, InvalidToken, TelegramError

from .client import TelegramClient
from .updates import process_update, telegram_client

logger = logging.getLogger(__name__)

# What the bot handles; anything else Telegram need not send at all.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
WEBHOOK_PATH = "/channels/telegram/webhook"
# Telegram's rule for secret_token: 1-256 of A-Z, a-z, 0-9, _ and -.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_RETRY_PAUSE = 5.0

telegram_cli = AppGroup("telegram", help="Telegram bot: polling for development, webhook set-up.")


def _client_or_exit() -> TelegramClient:
    client = telegram_client()
    if client is None:
        raise click.ClickException(
            "The Telegram channel is off: TELEGRAM_BOT_TOKEN is not set. "
            "Set it (from @BotFather) and try again."
        )
    return client


class _Stop(Exception):
    """SIGTERM or Ctrl+C while waiting for Telegram."""


class _Stopper:
    """Stop between updates, never in the middle of one; interrupt a long-poll wait at once."""

    def __init__(self) -> None:
        self.requested = False
        self.waiting = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        if self.waiting:
            raise _Stop


def _install(stopper: _Stopper) -> dict[signal.Signals, Any]:
    previous: dict[signal.Signals, Any] = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, stopper)
    return previous


@telegram_cli.command("poll")
@click.option("--once", is_flag=True, help="Process one batch of updates and exit.")
@click.option(
    "--timeout",
    type=click.IntRange(0, 50),
    default=30,
    show_default=True,
    help="Seconds Telegram may hold a long-poll request open.",
)
def poll_command(once: bool, timeout: int) -> None:
    """Fetch updates with getUpdates and process them, until stopped (Ctrl+C or SIGTERM)."""
    client = _client_or_exit()
    stopper = _Stopper()
    previous = {} if once else _install(stopper)
    if not once:
        click.echo("Polling Telegram for updates; press Ctrl+C to stop.")
    try:
        offset, processed = _poll(client, stopper, once, timeout)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    _confirm(client, offset)
    click.echo(f"Processed {processed} update(s).")


def _poll(
    client: TelegramClient, stopper: _Stopper, once: bool, timeout: int
) -> tuple[int | None, int]:
    """The polling loop; returns the next offset and how many updates were new."""
    offset: int | None = None
    processed = 0
    while not stopper.requested:
        try:
            batch = _next_batch(client, stopper, offset, timeout, once)
        except _Stop:
            break
        for update in batch:
            if stopper.requested:
                break  # the rest stays unconfirmed at Telegram and comes again next time
            if process_update(update, client):
                processed += 1
            offset = update.update_id + 1
        if once:
            break
    return offset, processed


def _next_batch(
    client: TelegramClient, stopper: _Stopper, offset: int | None, timeout: int, once: bool
) -> tuple[Update, ...]:
    """Wait for updates; a signal meanwhile raises _Stop (nothing is half done then)."""
    stopper.waiting = True
    try:
        return client.get_updates(offset, timeout, ALLOWED_UPDATES)
    except Conflict:
        raise click.ClickException(
            "A webhook is set for this bot, so Telegram refuses polling. "
            "Run `flask telegram delete-webhook` first."
        ) from None
    except InvalidToken:
        raise click.ClickException("Telegram rejected TELEGRAM_BOT_TOKEN.") from None
    except TelegramError as error:
        if once:
            raise click.ClickException(f"Telegram could not be reached: {error}") from None
        logger.warning("getUpdates failed, retrying in %.0f s: %s", _RETRY_PAUSE, error)
        time.sleep(_RETRY_PAUSE)
        return ()
    except (TypeError, ValueError, KeyError) as error:  # the library could not parse a batch
        raise click.ClickException(
            f"Telegram sent updates this python-telegram-bot cannot read: {error}. "
            "Use the webhook, which records and skips such an update."
        ) from None
    finally:
        stopper.waiting = False


def _confirm(client: TelegramClient, offset: int | None) -> None:
    """Tell Telegram the last batch arrived (getUpdates confirms by offset); best effort."""
    if offset is None:
        return
    try:
        client.get_updates(offset, 0, ALLOWED_UPDATES, limit=1)
    except TelegramError as error:  # the receipts make a redelivery harmless anyway
        logger.info("could not confirm updates up to %s: %s", offset, error)


@telegram_cli.command("set-webhook")
@click.argument("url")
@click.option("--drop-pending-updates", is_flag=True, help="Discard updates waiting at Telegram.")
def set_webhook_command(url: str, drop_pending_updates: bool) -> None:
    """Register URL (https://…/channels/telegram/webhook) as the bot's webhook, with the secret."""
    client = _client_or_exit()
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise click.BadParameter(
            f"{url!r} is not an https:// URL; Telegram delivers webhooks over HTTPS only.",
            param_hint="URL",
        )
    secret = current_app.config.get("TELEGRAM_WEBHOOK_SECRET")
    if not secret:
        raise click.ClickException(
            "TELEGRAM_WEBHOOK_SECRET is not set; the webhook refuses every update without it."
        )
    if not _SECRET.fullmatch(secret):
        raise click.ClickException(
            "TELEGRAM_WEBHOOK_SECRET may only hold 1-256 letters, digits, '_' and '-'."
        )
    if not parsed.path.rstrip("/").endswith(WEBHOOK_PATH):
        click.echo(f"Note: Aduan receives updates at {WEBHOOK_PATH}; {url} has another path.")
    try:
        client.set_webhook(url, secret, ALLOWED_UPDATES, drop_pending_updates)
    except TelegramError as error:
        raise click.ClickException(f"Telegram refused the webhook: {error}") from None
    click.echo(f"Webhook set: {url}")


@telegram_cli.command("delete-webhook")
def delete_webhook_command() -> None:
    """Remove the webhook (needed before `telegram poll`)."""
    client = _client_or_exit()
    try:
        client.delete_webhook()
    except TelegramError as error:
        raise click.ClickException(f"Telegram refused: {error}") from None
    click.echo("Webhook deleted.")
