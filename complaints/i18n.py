"""Language choice: Indonesian first, English on request, remembered in the session."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime

from .notify import status_label

LOCALES = ("id", "en")


def select_locale() -> str:
    if not has_request_context():
        return "id"  # bots and the scheduler choose the citizen's locale explicitly
    requested = request.args.get("lang")
    if requested in LOCALES:
        session["lang"] = requested
        return requested
    remembered = session.get("lang")
    if remembered in LOCALES:
        return str(remembered)
    return "id"


def local_time(moment: datetime | None, style: str = "medium") -> str:
    """An instant as the citizen reads it: in the office time zone, in their language."""
    if moment is None:
        return ""
    zone = ZoneInfo(current_app.config["ADUAN_TIMEZONE"])
    return format_datetime(moment.astimezone(zone), style)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["status_label"] = status_label

    @app.context_processor
    def language_context() -> dict[str, object]:
        from flask_babel import get_locale

        return {"current_locale": str(get_locale() or "id"), "locales": LOCALES}
