"""Database outages answer 503 with a clear message, never a hang or a stack trace.

When PostgreSQL is down (or SQLite stays locked), every request that needs
the database fails with a connection-level error. Those are not bugs in the
request, so they must not become a 500: the client is told that the service
is briefly unavailable and when to retry (``Retry-After``), in the format it
reads — the citizen a page, the JSON API its error envelope, Open311 its
error list, the webhooks (whose senders retry on 5xx) plain JSON. The engine
keeps ``pool_pre_ping`` on, so once the database is back the next request
gets a fresh connection and service resumes without a restart.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .api.open311_format import errors_payload, render
from .extensions import db

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
REASON = "database_unreachable"
# Seconds a PostgreSQL connection attempt may take before the request gives up.
CONNECT_TIMEOUT_SECONDS = 5


def is_outage(error: BaseException) -> bool:
    """A failure to reach the database, as opposed to a bug in a query."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _message() -> str:
    return gettext(
        "The service is briefly unavailable because we cannot reach its database. "
        "Nothing you sent before has been lost. Please try again in a minute."
    )


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is discarded at teardown anyway
        logger.debug("rollback after a database outage failed", exc_info=True)


def outage_response(error: BaseException) -> Response:
    """The 503 answer for ``error``, shaped for the part of the site that was asked."""
    # One line, no traceback: during an outage every request fails the same way.
    logger.error(
        "database unreachable, answering 503 for %s %s: %s",
        request.method,
        request.path,
        str(error).splitlines()[0] if str(error) else type(error).__name__,
    )
    _rollback_quietly()
    message = _message()
    response = _body_for(request.path, message)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _body_for(path: str, message: str) -> Response:
    if path.startswith("/api/"):
        body: dict[str, Any] = {
            "code": "service_unavailable",
            "message": message,
            "fields": {},
            "reason": REASON,
        }
        return jsonify(error=body)
    if path.startswith("/open311/"):
        fmt = "xml" if path.endswith(".xml") else "json"
        return render(errors_payload([(503, message)]), fmt, "errors")
    if path.startswith("/channels/") or path == "/healthz":
        return jsonify(error="service_unavailable", reason=REASON, message=message)
    return Response(
        render_template("error.html", title=gettext("Briefly unavailable"), message=message)
    )


def engine_options(uri: str, options: dict[str, Any]) -> dict[str, Any]:
    """Engine options that let an outage fail fast and recovery happen by itself.

    ``pool_pre_ping`` replaces connections that died with the server;
    a connect timeout keeps a request from hanging on an unreachable host
    (unless the URL sets its own ``connect_timeout``).
    """
    options = dict(options)
    options.setdefault("pool_pre_ping", True)
    if uri.startswith(("postgresql", "postgres")) and "connect_timeout=" not in uri:
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        options["connect_args"] = connect_args
    return options


def init_app(app: Flask) -> None:
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    )

    def database_error(error: DBAPIError | PoolTimeout) -> Response:
        if not is_outage(error):
            raise error  # a real bug: Flask logs it and answers 500
        return outage_response(error)

    app.register_error_handler(DBAPIError, database_error)
    app.register_error_handler(PoolTimeout, database_error)


def init_teardown(app: Flask) -> None:
    """Close the request's session without letting a dead connection turn into a 500.

    The view may have answered before the database went away; closing its session
    then rolls back on a connection the server dropped, and the error would escape
    Flask (the client would get the server's bare 500 page for a request that
    succeeded). Registered after Flask-SQLAlchemy, so it runs before its teardown,
    which then finds a fresh, empty session.
    """

    @app.teardown_appcontext
    def remove_session(_error: BaseException | None) -> None:
        try:
            db.session.remove()
        except DBAPIError as error:
            if not is_outage(error):
                raise
            logger.warning("database connection lost while closing a session: %s", error.orig)
            db.session.registry.clear()  # drop the broken session; its connection is invalidated
