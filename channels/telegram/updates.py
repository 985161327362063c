"""One path for every incoming update, whether the webhook or ``telegram poll`` received it.

1. Skip an update whose ``update_id`` has a receipt (Telegram redelivers
   when it did not see our 200 in time; polling after a restart repeats).
2. Insert the receipt and flush it before anything else. Its unique key is
   the lock that makes two workers given the same update process it once:
   the second one's insert waits for the first's commit and then fails.
3. Let the conversation handle the update in the same transaction and
   commit the receipt with the state change (``submit_complaint`` commits
   them itself when a report is sent).
4. Only then send the bot's replies.

A handler's bug is logged, the receipt is still committed (redelivering a
poisonous update forever helps nobody) and the citizen gets an apology:
never a 500 for Telegram. A database that cannot be reached at all does
raise, so the webhook answers 500 and Telegram delivers the update again
later.
"""

from __future__ import annotations

import logging
from typing import Any, TypeGuard

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy.exc import IntegrityError
from telegram import Update

from channels.receipts import receipt_seen, remember_receipt
from complaints import clock
from complaints.extensions import db
from complaints.models import InboundReceipt

from .client import TelegramClient
from .conversation import answer_update
from .replies import Reply, Say, perform
from .transport import CHANNEL

logger = logging.getLogger(__name__)
EXTENSION = "aduan_telegram"


def telegram_client() -> TelegramClient | None:
    """This app's Telegram client, or None when the channel is off."""
    client: TelegramClient | None = current_app.extensions.get(EXTENSION)
    return client


def _claim(update_id: str) -> bool:
    """Insert the receipt (uncommitted); False when another worker already has it."""
    db.session.add(InboundReceipt(channel=CHANNEL, external_id=update_id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _ensure_receipt(update_id: str) -> None:
    # An intake retry rolls the session back, taking our uncommitted receipt with it.
    remember_receipt(CHANNEL, update_id, clock.now())


def _apology(chat: dict[str, Any], sender: dict[str, Any]) -> list[Reply]:
    """Sorry, in the sender's language, to a private chat (raw Bot API dicts: parsing may fail)."""
    if chat.get("type") != "private" or not isinstance(chat.get("id"), int):
        return []
    language = str(sender.get("language_code") or "")
    with force_locale("en" if language.startswith("en") else "id"):
        text = gettext("Sorry, something went wrong on our side. Please try again in a moment.")
    return [Say(chat["id"], text)]


def _apology_for(update: Update) -> list[Reply]:
    chat, sender = update.effective_chat, update.effective_user
    return _apology(chat.to_dict() if chat else {}, sender.to_dict() if sender else {})


def process_update(update: Update, client: TelegramClient) -> bool:
    """Handle ``update`` exactly once; False when it had been processed already."""
    update_id = str(update.update_id)
    if receipt_seen(CHANNEL, update_id) or not _claim(update_id):
        logger.info("telegram update %s already processed", update_id)
        return False
    try:
        replies = answer_update(update, client)
        _ensure_receipt(update_id)
        db.session.commit()
    except Exception:
        logger.exception("telegram update %s could not be handled", update_id)
        db.session.rollback()
        _ensure_receipt(update_id)
        db.session.commit()
        replies = _apology_for(update)
    perform(client, replies)
    return True


def is_update(payload: object) -> TypeGuard[dict[str, Any]]:
    """Whether a webhook body has the shape of a Telegram update at all."""
    return isinstance(payload, dict) and isinstance(payload.get("update_id"), int)


def process_payload(payload: dict[str, Any], client: TelegramClient) -> bool:
    """The webhook's entry: parse the update JSON, then :func:`process_update`.

    An update this version of python-telegram-bot cannot read (Telegram's
    API moved on) is recorded as processed, with an apology to the chat it
    came from, rather than refused: a non-2xx answer would make Telegram
    redeliver it, and hold up the chat's later updates, forever.
    """
    payload = _without_nul(payload)
    try:
        update = Update.de_json(payload, client.bot)
    except Exception:
        logger.exception("telegram update %s cannot be parsed", payload["update_id"])
        return _process_unreadable(payload, client)
    return process_update(update, client)


def _without_nul(value: Any) -> Any:
    """The update with NUL characters dropped from every string: no database column takes
    them (PostgreSQL refuses them in text and JSON), and no citizen means to send one."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _process_unreadable(payload: dict[str, Any], client: TelegramClient) -> bool:
    update_id = str(payload["update_id"])
    if receipt_seen(CHANNEL, update_id) or not _claim(update_id):
        return False
    db.session.commit()
    message = payload.get("message")
    if isinstance(message, dict):
        chat, sender = message.get("chat"), message.get("from")
        if isinstance(chat, dict):
            perform(client, _apology(chat, sender if isinstance(sender, dict) else {}))
    return True
