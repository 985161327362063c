"""Errors of the JSON API, always as ``{"error": {"code", "message", "fields"}}``.

Views raise :class:`ApiError` (or let a domain error through); the handlers
registered by :func:`register_error_handlers` turn every failure under the
blueprint — domain refusals, HTTP errors, rate limits, oversized bodies and
unexpected crashes — into that one shape, so clients need one parser.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, jsonify
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from complaints.errors import DomainError, InvalidTransition, ValidationFailed
from complaints.extensions import db

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal with an HTTP status, a stable ``code`` and per-field messages."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})
        self.extra = extra


def error_response(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The JSON error envelope (``extra`` keys, e.g. ``allowed``, sit beside the fixed ones)."""
    body = {"code": code, "message": message, "fields": dict(fields or {}), **extra}
    response = jsonify(error=body)
    response.status_code = status
    return response


# Stable codes for HTTP-level failures: clients switch on these, not on wording.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


def http_error_message(status: int) -> str:
    """A human message for an HTTP-level failure, in the request's language."""
    messages = {
        404: gettext("We could not find that page."),
        405: gettext("This method is not allowed here."),
        413: gettext("The request body is too large."),
        415: gettext("Send the body as JSON (Content-Type: application/json)."),
        429: gettext("Too many requests. Please wait a moment and try again."),
    }
    return messages.get(status, gettext("The request could not be understood."))


def http_error_response(error: HTTPException) -> Response:
    status = error.code or 500
    response = error_response(
        status, HTTP_CODES.get(status, "http_error"), http_error_message(status)
    )
    # 405 must say what is allowed; 429 says when to come back.
    copy_headers(error, response)
    return response


def copy_headers(error: HTTPException, response: Response) -> None:
    """Keep the headers an error must carry: 405 says what is allowed, 429 when to retry."""
    headers = dict(error.get_headers())
    for header in ("Allow", "Retry-After"):
        if header in headers:
            response.headers[header] = headers[header]


def handle_api_error(error: ApiError) -> Response:
    """App-wide handler for ApiError (registered by ``complaints.api.init_app``)."""
    db.session.rollback()
    return error_response(error.status, error.code, error.message, error.fields, **error.extra)


def register_error_handlers(bp: Blueprint) -> None:
    """Answer every failure inside ``bp`` with the JSON error envelope.

    :class:`ApiError` itself is handled app-wide (see :func:`handle_api_error`)
    so other blueprints that use ``token_required`` get the same answers.
    """

    @bp.errorhandler(InvalidTransition)
    def invalid_transition(error: InvalidTransition) -> Response:
        db.session.rollback()
        return error_response(
            error.http_status,
            error.code,
            error.message,
            {"to": error.message},
            current=error.current,
            allowed=error.allowed,
        )

    @bp.errorhandler(ValidationFailed)
    def validation_failed(error: ValidationFailed) -> Response:
        db.session.rollback()
        return error_response(error.http_status, error.code, error.message, error.fields)

    @bp.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        db.session.rollback()
        return error_response(error.http_status, error.code, error.message)

    @bp.errorhandler(InternalServerError)
    def crashed(error: InternalServerError) -> Response:
        # The traceback is already logged by Flask; the client gets no internals.
        db.session.rollback()
        return error_response(
            500, "internal_error", gettext("Something went wrong on our side. Please try again.")
        )

    register_http_error_handler(bp, http_error_response)


def register_http_error_handler(
    bp: Blueprint, handler: Callable[[HTTPException], Response]
) -> None:
    """Handle every HTTP error inside ``bp`` with ``handler``.

    Registered per status code, not only for HTTPException: Flask prefers an
    app-wide handler for a code (the HTML pages' 404/413/429) over a
    blueprint's handler for a class.
    """
    bp.register_error_handler(HTTPException, handler)
    for code in default_exceptions:
        if code != 500:
            bp.register_error_handler(code, handler)
