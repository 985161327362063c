"""Meta's webhook: ``GET``/``POST /channels/whatsapp/webhook``.

Thin: the verify handshake, then for a notification the body cap, the
``X-Hub-Signature-256`` check (403 before anything is read from or written
to the database), the JSON, and ``events``. A notification we handled or
chose to ignore is answered 200, so Meta does not retry it; a body that is
not JSON 400.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, request

from . import events
from .settings import current_settings
from .signature import SIGNATURE_HEADER, signature_valid, verify_token_matches

logger = logging.getLogger(__name__)

bp = Blueprint("whatsapp_cloud", __name__, url_prefix="/channels/whatsapp")

# Meta batches at most a few messages or statuses in one notification.
MAX_WEBHOOK_BYTES = 256 * 1024


@bp.url_value_preprocessor
def limit_body_size(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Cap the body before anything reads it (413 for more)."""
    request.max_content_length = MAX_WEBHOOK_BYTES


def _text(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


@bp.get("/webhook")
def verify() -> Response:
    """Meta subscribes the webhook: echo ``hub.challenge`` when the verify token matches."""
    if not verify_token_matches(
        current_settings().verify_token,
        request.args.get("hub.mode", ""),
        request.args.get("hub.verify_token", ""),
    ):
        logger.warning("refused a WhatsApp webhook verification with a wrong token")
        return _text(403, "verification failed")
    return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")


@bp.post("/webhook")
def notification() -> Response:
    """Messages from citizens and the statuses of ours."""
    body = request.get_data(cache=False)
    settings = current_settings()
    if not signature_valid(settings.app_secret, body, request.headers.get(SIGNATURE_HEADER, "")):
        logger.warning("refused an unsigned or badly signed WhatsApp notification")
        return _text(403, "invalid signature")
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _text(400, "not JSON")
    events.handle_notification(document, settings.phone_number_id)
    return _text(200, "ok")
