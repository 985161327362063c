"""The per-chat flood limit of the webhook.

Telegram posts every chat's updates from a few shared addresses, so the
limit counts per chat, not per address. A chat over :data:`CHAT_LIMIT` is
told once, politely, and its further updates are dropped unread until the
window passes. The webhook still answers 200: Telegram redelivers anything
else, and would hold up that chat's later updates behind it.

The counts live in the rate-limit storage (Redis when ``REDIS_URL`` is set),
so every worker on every host sees the same count. A full guided report
takes about ten updates; the limit leaves room for two a minute.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from limits import parse
from sqlalchemy import select

from complaints.extensions import db, limiter
from complaints.models import Conversation
from complaints.request_json import JSONTooDeep

from .replies import Say, perform
from .transport import CHANNEL
from .updates import telegram_client

logger = logging.getLogger(__name__)

CHAT_LIMIT = "20/minute;200/hour"
# The polite notice goes out at most once an hour per chat.
NOTICE_LIMIT = parse("1/hour")


def chat_id_of(payload: object) -> int | None:
    """The chat an update comes from (a raw Bot API dict: it is not parsed yet)."""
    if not isinstance(payload, dict):
        return None
    for name, part in payload.items():
        if name == "update_id" or not isinstance(part, dict):
            continue
        for holder in (part, part.get("message")):
            chat = holder.get("chat") if isinstance(holder, dict) else None
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return int(chat["id"])
        sender = part.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])
    return None


def _update_payload() -> Any:
    """The webhook's body, or None when it is no JSON or nested too deeply.

    The key function and the 429 handler must not raise: Flask-Limiter takes
    an error in a key function for an unreachable storage and falls back to
    per-process counting. The view parses the body again and refuses it.
    """
    try:
        return request.get_json(silent=True)
    except JSONTooDeep:
        return None


def chat_key() -> str:
    """Rate-limit key of a webhook request: its chat."""
    chat_id = chat_id_of(_update_payload())
    return f"telegram-chat:{chat_id if chat_id is not None else 'none'}"


def _first_notice(chat_id: int) -> bool:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    try:
        return bool(limiter.limiter.hit(NOTICE_LIMIT, prefix, "telegram-notice", str(chat_id)))
    except Exception:  # the storage is unreachable: better one notice too many than none
        logger.exception("rate-limit storage failed; sending the flood notice anyway")
        return True


def _locale_of(chat_id: int, payload: dict[str, Any]) -> str:
    """The language the chat chose, else the sender's app language."""
    data = db.session.scalar(
        select(Conversation.data).where(
            Conversation.channel == CHANNEL, Conversation.address == str(chat_id)
        )
    )
    if isinstance(data, dict) and data.get("locale") in ("id", "en"):
        return str(data["locale"])
    for part in payload.values():
        sender = part.get("from") if isinstance(part, dict) else None
        if isinstance(sender, dict):
            return "en" if str(sender.get("language_code") or "").startswith("en") else "id"
    return "id"


def refuse_flood() -> ResponseReturnValue:
    """Answer an update over the chat's limit: 200 for Telegram, one notice for the citizen."""
    payload = _update_payload()
    chat_id = chat_id_of(payload)
    client = telegram_client()
    if chat_id is not None and client is not None and _first_notice(chat_id):
        assert isinstance(payload, dict)
        logger.warning("telegram chat ...%s is over its limit of %s", str(chat_id)[-4:], CHAT_LIMIT)
        with force_locale(_locale_of(chat_id, payload)):
            text = gettext(
                "You are sending messages faster than I can read them, so I am pausing for a "
                "few minutes. Please wait, then send your last message again."
            )
        perform(client, [Say(chat_id, text)])
    return {"ok": True, "rate_limited": True}, 200
