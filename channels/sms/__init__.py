"""The SMS channel through Twilio, serving Twilio WhatsApp senders with the same adapter.

On when ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN`` are set:

- ``POST /channels/sms/twilio``: inbound SMS, MMS and WhatsApp messages
  (signature-checked, answered in TwiML) — ``views.py`` → ``commands.py``;
- ``POST /channels/sms/twilio/status``: delivery status callbacks —
  ``callbacks.py``;
- outbox transports "sms" (needs ``TWILIO_FROM_NUMBER``) and "whatsapp"
  (``TWILIO_WHATSAPP_FROM``, default ``whatsapp:`` + the SMS number) —
  ``transport.py``.

Off, nothing is registered: messages queued for SMS wait in the outbox,
and the admin page and the start-up log say why.
"""

from __future__ import annotations

import logging

from flask import Flask

from complaints.extensions import csrf
from complaints.outbox import register_transport

from . import flood, views
from .settings import (
    EXTENSION_KEY,
    STATUS_CALLBACK_PATH,
    WEBHOOK_PATH,
    WHATSAPP_PREFIX,
    TwilioSettings,
    store,
)
from .transport import TwilioTransport, build_client

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Register the webhooks and the transports when Twilio is configured; log the outcome."""
    settings = TwilioSettings.from_config(app.config)
    store(app, settings)
    if not settings.configured:
        logger.info("SMS channel off: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set")
        return
    flood.init_app(app)
    csrf.exempt(views.bp)  # Twilio signs its requests; it has no CSRF token
    app.register_blueprint(views.bp)
    client = build_client(settings)
    callback = settings.status_callback_url
    if settings.sms_from:
        register_transport(app, TwilioTransport("sms", settings.sms_from, client, callback))
    else:
        logger.warning(
            "SMS channel: TWILIO_FROM_NUMBER is not set; outbound SMS wait in the outbox"
        )
    if settings.whatsapp_from:
        register_transport(
            app, TwilioTransport("whatsapp", settings.whatsapp_from, client, callback)
        )
    if callback is None:
        logger.warning("SMS channel: PUBLIC_BASE_URL is not set; no delivery status callbacks")
    logger.info(
        "SMS channel on: webhook %s, SMS from %s, WhatsApp from %s, API %s",
        WEBHOOK_PATH,
        settings.sms_from or "-",
        settings.whatsapp_from or "-",
        settings.api_netloc,
    )


def channel_status(app: Flask) -> dict[str, object]:
    """What the admin page shows about the channel (never a credential)."""
    settings: TwilioSettings = app.extensions.get(EXTENSION_KEY) or TwilioSettings.from_config(
        app.config
    )
    status: dict[str, object] = {"channel": "sms", "configured": settings.configured}
    if not settings.configured:
        return status
    base = (settings.public_base_url or "").rstrip("/")
    status.update(
        {
            "webhook": f"{base}{WEBHOOK_PATH}",
            "status callback": f"{base}{STATUS_CALLBACK_PATH}"
            if base
            else "off (no PUBLIC_BASE_URL)",
            "SMS sender": settings.sms_from or "none: outbound SMS wait (set TWILIO_FROM_NUMBER)",
            # The number, without Twilio's "whatsapp:" address prefix.
            "WhatsApp sender": (settings.whatsapp_from or "").removeprefix(WHATSAPP_PREFIX)
            or "none",
            "API": settings.api_netloc,
        }
    )
    return status
