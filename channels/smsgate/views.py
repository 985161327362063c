"""The gateway's webhook: ``POST /channels/sms/gateway``.

Thin: cap the body, check the signature, parse the JSON, hand it to
``events``. A request without a valid ``X-Signature``/``X-Timestamp`` is
refused with 403 before anything is read from or written to the database.
Any event we handled or chose to ignore is answered 204, so the gateway
does not retry it; a malformed body 400.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, request

from complaints import clock

from . import events
from .settings import current_settings
from .signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_valid

logger = logging.getLogger(__name__)

bp = Blueprint("smsgate", __name__, url_prefix="/channels/sms")

# An SMS event is well under a kilobyte; an ``mms:downloaded`` event may carry its
# attachments inline in Base64 (a third larger). Operators usually cap an MMS at a few
# hundred KB to about 1 MB; 4 MB leaves room for a 3 MB photo. The app's
# 50 MB upload limit is not for a route read before its sender is known.
MAX_WEBHOOK_BYTES = 4 * 1024 * 1024


@bp.url_value_preprocessor
def limit_body_size(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Cap the body before anything reads it (413 for more)."""
    request.max_content_length = MAX_WEBHOOK_BYTES


def _text(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


@bp.post("/gateway")
def webhook() -> Response:
    """An event from SMS Gateway for Android: an SMS or MMS received, or the fate of one we sent."""
    body = request.get_data(cache=False)
    if not signature_valid(
        current_settings().signing_key,
        body,
        request.headers.get(TIMESTAMP_HEADER, "").strip(),
        request.headers.get(SIGNATURE_HEADER, ""),
        clock.now(),
    ):
        logger.warning("refused an unsigned, badly signed or stale gateway request")
        return _text(403, "invalid signature")
    try:
        event = events.GatewayEvent.parse(json.loads(body))
    except (ValueError, UnicodeDecodeError):
        event = None
    if event is None:
        return _text(400, "not a gateway event")
    if not events.handle(event):
        logger.info("ignored gateway event %s (%s)", event.id, event.event)
    return Response(status=204)
