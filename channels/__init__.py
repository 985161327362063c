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
    gateway = smsgate.channel_status(app, probe=probe)
    if gateway["configured"]:  # a second SMS provider, listed only when it is on
        statuses.append(gateway)
    cloud = whatsapp.channel_status(app)
    if cloud["configured"]:  # a second WhatsApp provider, listed only when it is on
        statuses.append(cloud)
    mail = email.channel_status(app)
    if mail["configured"]:
        statuses.append(mail)
    return statuses
