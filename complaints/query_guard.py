"""Refuse text no database column can hold, before any view queries or stores it.

A NUL character in a filter (``/staff/complaints?q=%00``) or a form field
crashes the statement on PostgreSQL, which refuses NUL in text. No browser
sends one from what a person typed, so pages answer such a request with 400
here. The JSON API (metrics included) and Open311 refuse it themselves with
their own error bodies, and the channel webhooks drop NUL from what providers
send, so they are left alone.
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from .api.errors import ApiError

OWN_CHECKS = frozenset({"api_v1", "metrics_api", "open311", "sms", "telegram"})
# Opaque page cursors are decoded and checked before use (a bad one gives the first page).
CURSORS = frozenset({"after", "before", "cursor"})


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)


def _holds_nul(fields: MultiDict[str, str]) -> bool:
    return any(
        "\x00" in key or ("\x00" in value and key not in CURSORS)
        for key, value in fields.items(multi=True)
    )


def refuse_nul_characters() -> None:
    if request.blueprint in OWN_CHECKS:
        return
    if not _holds_nul(request.args) and not (
        request.method in ("POST", "PUT", "PATCH") and _holds_nul(request.form)
    ):
        return
    if request.path.startswith("/api/"):
        raise ApiError(400, "invalid_query", gettext("Some query parameters are not valid."))
    abort(400)
