"""Reading API input: the JSON body, and the staff list's query parameters.

The body's members are typed by the models of :mod:`.request_bodies`; this
module gets the JSON object to them (415, 413, 400 before any member is
read) and checks the query string, where a wrong filter is a 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import current_app, request
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from complaints.extensions import db
from complaints.ids import as_id
from complaints.models import Category, Channel, Status, Unit

from .errors import ApiError
from .pagination import DEFAULT_LIMIT, MAX_LIMIT

# A complaint is text; 64 KiB is far beyond MAX_DESCRIPTION and stops abuse early.
MAX_JSON_BYTES = 64 * 1024


def storable(text: str) -> bool:
    """False for text no database column takes: NUL characters or lone UTF-16 surrogates.

    JSON may carry both (``"\\u0000"``, ``"\\ud800"``); PostgreSQL refuses them,
    so they must be refused as input rather than crash the insert.
    """
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_parameters(*sources: Mapping[str, Any]) -> list[str]:
    """Names of query, form or path parameters whose value a database would refuse."""
    return [
        name
        for source in sources
        for name, value in (
            source.items() if not isinstance(source, MultiDict) else source.items(multi=True)
        )
        if isinstance(value, str) and not storable(value)
    ]


def json_body() -> dict[str, Any]:
    """The request's JSON object; 415 when not JSON, 413 when huge, 400 when malformed or deep."""
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            gettext("Send the body as JSON (Content-Type: application/json)."),
        )
    # Per request (Flask 3.1): the app-wide limit is sized for photo uploads, and this
    # one also stops a chunked body that announces no Content-Length.
    request.max_content_length = MAX_JSON_BYTES
    raw = request.get_data(cache=True)
    try:
        # The app's provider: a body nested too deeply is refused there (JSONTooDeep, 400).
        payload = current_app.json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", gettext("The body is not valid JSON.")) from None
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_json", gettext("The body must be a JSON object."))
    return payload


def unit_by_code(code: str | None) -> Unit | None:
    if not code:
        return None
    return db.session.scalar(select(Unit).where(Unit.code == code))


def _bad_query(fields: dict[str, str]) -> ApiError:
    return ApiError(400, "invalid_query", gettext("Some query parameters are not valid."), fields)


def _reference_id(model: type[Unit] | type[Category], raw: str) -> int | None:
    """A unit or category given by code (or, as the staff queue does, by numeric id)."""
    if raw.isascii() and raw.isdigit():
        return as_id(raw)
    return db.session.scalar(select(model.id).where(model.code == raw))


def queue_args(args: MultiDict[str, str]) -> MultiDict[str, str]:
    """The staff queue's filters from the query string, checked and with codes made ids.

    The queue silently ignores a value it does not understand; an API client
    must instead learn that its filter was wrong (400), not get a list that
    looks filtered but is not.
    """
    errors: dict[str, str] = {}
    checked: MultiDict[str, str] = MultiDict()
    choices = {
        "status": {s.value for s in Status} | {"open"},
        "channel": {c.value for c in Channel},
        "due": {"overdue", "at_risk"},
    }
    for name, allowed in choices.items():
        if value := args.get(name):
            if value in allowed:
                checked[name] = value
            else:
                errors[name] = gettext(
                    "Choose one of: %(values)s.", values=", ".join(sorted(allowed))
                )
    unknown = {
        "unit": gettext("No unit has this code."),
        "category": gettext("No category has this code."),
    }
    for name, model in (("unit", Unit), ("category", Category)):
        if value := args.get(name):
            found = _reference_id(model, value)
            if found is None:
                errors[name] = unknown[name]
            else:
                checked[name] = str(found)
    if assignee := args.get("assignee"):
        if assignee in ("me", "none") or as_id(assignee) is not None:
            checked["assignee"] = assignee
        else:
            errors["assignee"] = gettext("Use me, none or a user id.")
    for name in ("from", "to"):
        if value := args.get(name):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                day = None
            # The queue adds a day to `to`: keep far from date.max (and from nonsense).
            if day is None or not 2000 <= day.year <= 2999:
                errors[name] = gettext("Use a date like 2026-11-25.")
            else:
                checked[name] = value
    if text := args.get("q"):
        checked["q"] = text[:100]
    if errors:
        raise _bad_query(errors)
    return checked


def page_limit(args: MultiDict[str, str]) -> int:
    raw = args.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise _bad_query(
            {"limit": gettext("Give a whole number from 1 to %(max)d.", max=MAX_LIMIT)}
        )
    return int(raw)
