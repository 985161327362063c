"""Programs' interfaces: the JSON API (/api/v1), Open311 GeoReport v2 (/open311/v2), the spec.

``init_app(app)`` registers the blueprints (CSRF-exempt: they use bearer
tokens and api_keys, never the session cookie), the CLI groups ``api`` and
``open311``, and the error handling that keeps every answer under these
prefixes in the interface's own error format.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from complaints.extensions import csrf

from . import docs, open311, routing, views
from .cli import api_cli, open311_cli
from .errors import ApiError, handle_api_error, http_error_response

logger = logging.getLogger(__name__)


def _unrouted_error() -> Response | None:
    """Errors for URLs under our prefixes that match no route (or not with this method).

    Routing failures happen before any blueprint is chosen, so the blueprints'
    handlers never see them; Flask runs before_request hooks first, which
    lets us answer in the right format here.
    """
    error = request.routing_exception
    if not isinstance(error, HTTPException) or (error.code or 0) < 400:
        return None  # no error, or a redirect (e.g. a missing trailing slash)
    if request.path.startswith("/open311/"):
        return open311.http_error_for_path(error)
    if request.path.startswith("/api/"):
        return http_error_response(error)
    return None


def init_app(app: Flask) -> None:
    for blueprint in (views.bp, routing.bp, open311.bp, docs.bp):
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    # ApiError is ours alone, so app-wide is safe, and other blueprints that
    # use auth.token_required (e.g. /api/v1/metrics) get the same 401/403 bodies.
    app.register_error_handler(ApiError, handle_api_error)
    app.before_request(_unrouted_error)
    app.cli.add_command(api_cli)
    app.cli.add_command(open311_cli)
