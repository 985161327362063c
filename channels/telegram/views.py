"""``POST /channels/telegram/webhook``, where Telegram delivers updates. Thin: check, hand on."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from complaints.extensions import limiter

from .flood import CHAT_LIMIT, chat_key, refuse_flood
from .updates import is_update, process_payload, telegram_client

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 -- a header name

bp = Blueprint("telegram", __name__, url_prefix="/channels/telegram")

# A Bot API update is a few kilobytes (4096 characters of text at most); the app-wide
# limit is sized for photo uploads.
MAX_UPDATE_BYTES = 256 * 1024


@bp.url_value_preprocessor
def limit_body_size(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Cap the body before anything reads it: 413 for more.

    A URL value preprocessor, not ``before_request``: Flask runs these first,
    ahead of the app-wide ``before_request`` where Flask-Limiter calls the
    per-chat key function, which already parses the body.
    """
    request.max_content_length = MAX_UPDATE_BYTES


def secret_matches(expected: str | None, provided: str | None) -> bool:
    """Constant-time check of the webhook secret; without a configured secret nothing matches."""
    if not expected or provided is None:
        return False
    return hmac.compare_digest(expected.encode(), provided.encode())


def _forged() -> bool:
    """A request without the right secret is refused anyway; it must not spend a chat's budget."""
    return not secret_matches(
        current_app.config.get("TELEGRAM_WEBHOOK_SECRET"), request.headers.get(SECRET_HEADER)
    )


@bp.post("/webhook")
@limiter.limit(CHAT_LIMIT, key_func=chat_key, exempt_when=_forged)
def webhook() -> ResponseReturnValue:
    client = telegram_client()
    if client is None or not secret_matches(
        current_app.config.get("TELEGRAM_WEBHOOK_SECRET"), request.headers.get(SECRET_HEADER)
    ):
        logger.warning("telegram webhook refused: bad secret from %s", request.remote_addr)
        return {"error": {"code": "forbidden", "message": "wrong secret token"}}, 403
    payload = request.get_json(silent=True)
    if not is_update(payload):
        return {"error": {"code": "bad_update", "message": "not a Telegram update"}}, 400
    process_payload(payload, client)
    # Telegram reads only the status; 200 also for a duplicate, so it stops redelivering.
    return {"ok": True}, 200


@bp.errorhandler(429)
def over_chat_limit(_error: Exception) -> ResponseReturnValue:
    return refuse_flood()
