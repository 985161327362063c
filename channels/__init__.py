"""Channel adapters: each turns outside messages into intake calls and delivers replies."""

from __future__ import annotations

from flask import Flask

from . import email, sms, smsgate, telegram, whatsapp
from .web import views as web_views


def init_app(app: Flask) -> None:
    """Register every channel's blueprint, CLI and outbound transport."""
    app.register_blueprint(web_views.bp)
    telegram.init_app(app)
    sms.init_app(app)
    smsgate.init_app(app)  # after Twilio: it decides which sends staff notices by SMS
    whatsapp.init_app(app)  # after Twilio, likewise for WhatsApp
    email.init_app(app)


def channel_status(app: Flask, *, probe: bool = False) -> list[dict[str, object]]:
    """Which channels are on, for the admin page (a channel without credentials is off).

    ``probe`` (the admin page) also asks providers that can tell for their health.
    """
    statuses: list[dict[str, object]] = [{"channel": "web", "configured": True}]
    for module in (telegram, sms):
        report = getattr(module, "channel_status", None)
        if report is not None:
            statuses.append(report(app))
        else:
            statuses.append({"channel": module.__name__.rsplit(".", 1)[-1], "configured": False})
    # The second SMS and WhatsApp providers name themselves, on or off.
    statuses.append(smsgate.channel_status(app, probe=probe))
    statuses.append(whatsapp.channel_status(app))
    statuses.append(email.channel_status(app))
    return statuses
