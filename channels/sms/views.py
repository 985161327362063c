"""Twilio's webhooks: inbound messages (answered in TwiML) and delivery status callbacks.

Thin: check the signature, parse the form, call ``commands`` or
``callbacks``, render. A request without a valid ``X-Twilio-Signature`` is
refused with 403 before anything is read from or written to the database.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from . import callbacks, commands
from .inbound import InboundMessage
from .settings import current_settings

logger = logging.getLogger(__name__)

bp = Blueprint("sms", __name__, url_prefix="/channels/sms")

SIGNATURE_HEADER = "X-Twilio-Signature"
# Twilio's form posts are a few kilobytes (1600 characters of SMS, 4096 of WhatsApp, ten
# media URLs; percent-encoded, an emoji takes 12 bytes); the app-wide limit is sized for
# photo uploads.
MAX_WEBHOOK_BYTES = 256 * 1024


@bp.url_value_preprocessor
def limit_body_size(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Cap the body before anything reads it (413 for more), rate-limit keys included.

    Flask runs URL value preprocessors before every ``before_request`` function.
    """
    request.max_content_length = MAX_WEBHOOK_BYTES


def public_url() -> str:
    """The URL Twilio called: PUBLIC_BASE_URL + path behind a proxy, else the request's URL.

    With ADUAN_PROXY_HOPS > 0, ProxyFix has already rebuilt ``request.url``
    from the proxy's ``X-Forwarded-*`` headers.
    """
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return request.url
    query = request.query_string.decode("latin-1")
    return base.rstrip("/") + request.path + (f"?{query}" if query else "")


def signature_valid() -> bool:
    """True when the request carries Twilio's signature of this URL and form."""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    token = current_settings().auth_token
    if not signature or not token:
        return False
    return bool(RequestValidator(token).validate(public_url(), request.form, signature))


def _refused() -> Response:
    logger.warning("refused an unsigned or badly signed Twilio request to %s", request.path)
    return Response("invalid signature\n", status=403, mimetype="text/plain")


def _twiml(reply: commands.Reply) -> Response:
    response = MessagingResponse()
    if reply.text:
        response.message(reply.text)
    return Response(str(response), mimetype="application/xml")


@bp.post("/twilio")
def inbound() -> Response:
    """An incoming SMS, MMS or WhatsApp message; the answer is TwiML."""
    if not signature_valid():
        return _refused()
    message = InboundMessage.from_form(request.form)
    if message is None:
        return Response("MessageSid and From are required\n", status=400, mimetype="text/plain")
    return _twiml(commands.handle_inbound(message, current_settings()))


@bp.post("/twilio/status")
def status_callback() -> Response:
    """Twilio reports the fate of a message we sent."""
    if not signature_valid():
        return _refused()
    callbacks.record_status(
        message_sid=request.form.get("MessageSid") or request.form.get("SmsSid") or "",
        status=request.form.get("MessageStatus") or request.form.get("SmsStatus") or "",
        error_code=request.form.get("ErrorCode"),
        error_message=request.form.get("ErrorMessage"),
    )
    return Response(status=204)
