"""Channel adapters: each turns outside messages into intake calls and delivers replies."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every channel's blueprint, CLI and outbound transport."""
    from . import sms, telegram
    from .web import views as web_views

    app.register_blueprint(web_views.bp)
    telegram.init_app(app)
    sms.init_app(app)
