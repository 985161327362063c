"""WhatsApp through Meta's Cloud API, beside (or instead of) Twilio's WhatsApp.

On when ``WHATSAPP_ACCESS_TOKEN``, ``WHATSAPP_PHONE_NUMBER_ID``,
``WHATSAPP_APP_SECRET`` and ``WHATSAPP_VERIFY_TOKEN`` are set:

- ``GET /channels/whatsapp/webhook``: Meta's verify handshake;
  ``POST``: signed notifications (``X-Hub-Signature-256``) — ``views.py`` →
  ``events.py`` → the SMS/WhatsApp command layer of ``channels.sms`` (one
  command layer; channel ``whatsapp``, transport ``cloud``), reply buttons,
  list rows and locations in ``choices.py``, statuses in ``delivery.py``,
  photos through ``media.py``;
- outbox sender "whatsapp" with provider "cloud" — ``transport.py``: text
  within the 24-hour window, the approved templates outside it. A reply goes
  back the way the citizen wrote (``complaints.transport``); a message that
  names no provider goes through Twilio's WhatsApp when it is on.

``README.md`` here tells how to connect a number in Meta's console.
"""

from __future__ import annotations

import logging

from flask import Flask

from channels.sms import flood
from channels.sms import media as sms_media
from complaints.extensions import csrf
from complaints.outbox import register_transport

from . import views
from .media import SCHEME, download
from .settings import EXTENSION_KEY, WEBHOOK_PATH, CloudSettings, settings_of
from .transport import CloudTransport

logger = logging.getLogger(__name__)

PROVIDER_NAME = "WhatsApp Cloud API (Meta)"


def init_app(app: Flask) -> None:
    """Register the webhook and the transport when the Cloud API is configured (after Twilio)."""
    settings = CloudSettings.from_config(app.config)
    app.extensions[EXTENSION_KEY] = settings
    if not settings.configured:
        logger.info("WhatsApp Cloud API off: WHATSAPP_* settings are not set")
        return
    if flood.EXTENSION_KEY not in app.extensions:  # Twilio off: the flood counts are ours
        flood.init_app(app)
    sms_media.register_fetcher(SCHEME, download)
    csrf.exempt(views.bp)  # Meta signs its requests; it has no CSRF token
    if "whatsapp_cloud" not in app.blueprints:
        app.register_blueprint(views.bp)
    twilio_sends = "whatsapp" in app.extensions.get("aduan_transports", {})
    register_transport(app, CloudTransport(settings), default=not twilio_sends)
    logger.info(
        "WhatsApp Cloud API on: webhook %s, phone number id %s, API %s",
        WEBHOOK_PATH,
        settings.phone_number_id,
        settings.api_netloc,
    )


def channel_status(app: Flask) -> dict[str, object]:
    """What the admin page shows about the Cloud API (never a credential)."""
    settings = settings_of(app)
    status: dict[str, object] = {
        "channel": "whatsapp",
        "configured": settings.configured,
        "provider": PROVIDER_NAME,
    }
    if not settings.configured:
        return status
    status.update(
        {
            "webhook": settings.webhook_url or "off (no PUBLIC_BASE_URL)",
            "WhatsApp sender": settings.phone_number_id or "none",
            "API": settings.api_netloc,
        }
    )
    return status


__all__ = ["channel_status", "init_app"]
