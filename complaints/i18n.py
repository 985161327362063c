"""Language choice: Indonesian first, English on request, remembered in the session."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_time

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


# Babel's named styles; anything else is a pattern such as "d MMM yyyy HH:mm".
STYLES = ("short", "medium", "long", "full")
# The zone's name as Indonesians write it; tzdata has these too, this is the fallback.
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_name(moment: datetime, zone: str) -> str:
    """WIB, WITA or WIT for the Indonesian zones; the tz database's abbreviation elsewhere."""
    return ZONE_NAMES.get(zone) or moment.tzname() or zone


def local_time(moment: datetime | str | None, style: str = "medium") -> str:
    """An instant as people read it: office time zone, their language, to the minute, the zone.

    ``style`` is the date's Babel style: "medium" reads "9 Des 2026 16.00 WITA"
    ("Dec 9, 2026 4:00 PM WITA" in English), "short" "09/12/26 16.00 WITA". A
    Babel pattern instead is formatted as it is (no zone is added). An ISO 8601
    text with an offset (a report's ``as_of``) is read first.
    """
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    zone = current_app.config["ADUAN_TIMEZONE"]
    local = moment.astimezone(ZoneInfo(zone))
    if style not in STYLES:
        return format_datetime(local, style)
    when = f"{format_date(local, style, rebase=False)} {format_time(local, 'short', rebase=False)}"
    return f"{when} {zone_name(local, zone)}"


def local_date(day: date | datetime | str | None, style: str = "medium") -> str:
    """A day as people read it: "9 Des 2026" ("Dec 9, 2026" in English).

    Takes a date, an instant (its day in the office time zone) or an ISO 8601
    text of either; ``style`` is a Babel style or pattern ("long": "9 Desember 2026").
    """
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = datetime.fromisoformat(day) if "T" in day else date.fromisoformat(day)
    if isinstance(day, datetime):
        if day.tzinfo is not None:
            day = day.astimezone(ZoneInfo(current_app.config["ADUAN_TIMEZONE"]))
        day = day.date()
    return format_date(day, style)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["status_label"] = status_label

    @app.context_processor
    def language_context() -> dict[str, object]:
        from flask_babel import get_locale

        return {"current_locale": str(get_locale() or "id"), "locales": LOCALES}
