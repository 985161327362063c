"""SMS through an Android phone with a local SIM, running SMS Gateway for Android.

On when ``SMSGATE_USERNAME``, ``SMSGATE_PASSWORD`` and ``SMSGATE_SIGNING_KEY``
are set (``SMSGATE_API_URL``: the app's cloud server by default, or the
phone itself in local server mode):

- ``POST /channels/sms/gateway``: the app's signed webhook events —
  ``views.py`` → ``events.py`` → the SMS command layer of ``channels.sms``
  (one command layer, two transports), photos sent by MMS in ``mms.py``,
  delivery states in ``delivery.py``;
- outbox sender "sms" with provider "smsgate" — ``transport.py``. A reply
  goes back the way the citizen wrote (``complaints.transport``); a message
  with no origin (a staff notice by SMS) goes through Twilio when Twilio
  can send SMS (``TWILIO_FROM_NUMBER``), else through the phone;
- ``flask sms gateway register URL`` / ``flask sms gateway status`` —
  ``cli.py``; the admin page shows the gateway's health — ``health.py``.

``README.md`` here tells how to set up the phone and what it costs.
"""

from __future__ import annotations

import logging

from flask import Flask

from channels.sms import flood
from channels.sms import media as sms_media
from complaints.extensions import csrf
from complaints.outbox import register_transport

from . import health, mms, views
from .cli import sms_cli
from .settings import EXTENSION_KEY, WEBHOOK_PATH, GatewaySettings, settings_of
from .transport import GatewayTransport, build_client

logger = logging.getLogger(__name__)

PROVIDER_NAME = "SMS Gateway for Android"


def init_app(app: Flask) -> None:
    """Register the webhook and the transport when the gateway is configured (after Twilio)."""
    settings = GatewaySettings.from_config(app.config)
    app.extensions[EXTENSION_KEY] = settings
    app.cli.add_command(sms_cli)
    if not settings.configured:
        logger.info(
            "SMS gateway off: SMSGATE_USERNAME, SMSGATE_PASSWORD, SMSGATE_SIGNING_KEY unset"
        )
        return
    if flood.EXTENSION_KEY not in app.extensions:  # Twilio off: the flood counts are ours
        flood.init_app(app)
    sms_media.register_fetcher(mms.SCHEME, mms.download)  # photos sent by MMS
    csrf.exempt(views.bp)  # the gateway signs its requests; it has no CSRF token
    app.register_blueprint(views.bp)
    # Twilio registers first: when it can send SMS it stays the default for messages
    # that name no provider; the phone takes its own ("smsgate") either way.
    twilio_sends = "sms" in app.extensions.get("aduan_transports", {})
    register_transport(app, GatewayTransport(build_client(settings)), default=not twilio_sends)
    logger.info(
        "SMS gateway on: webhook %s, API %s, default SMS sender: %s",
        WEBHOOK_PATH,
        settings.api_netloc,
        "Twilio" if twilio_sends else "the gateway",
    )


def channel_status(app: Flask, *, probe: bool = False) -> dict[str, object]:
    """What the admin page shows about the gateway (never a credential).

    ``probe`` asks the gateway for its health (at most once a minute); other
    callers only want to know whether the channel is on.
    """
    settings = settings_of(app)
    status: dict[str, object] = {
        "channel": "sms",
        "configured": settings.configured,
        "provider": PROVIDER_NAME,
    }
    if not settings.configured:
        return status
    default = app.extensions.get("aduan_transports", {}).get("sms")
    status.update(
        {
            "webhook": settings.webhook_url or "off (no PUBLIC_BASE_URL)",
            "API": settings.api_netloc,
            "default sender": "twilio"
            if getattr(default, "provider", None) == "twilio"
            else "gateway",
        }
    )
    if probe:
        status["gateway health"] = health.describe(health.recent(settings))
    return status


__all__ = ["channel_status", "init_app"]
