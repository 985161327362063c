"""Security headers and error pages shared by every blueprint."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

# No inline scripts or styles anywhere: pages work without JavaScript.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/", "/channels/"))


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> ResponseReturnValue:
        message = gettext(
            "The form expired or was sent from elsewhere. Please go back, reload and try again."
        )
        return render_template("error.html", title=gettext("Form expired"), message=message), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
        message = gettext("What you sent is too large. Photos may be at most 10 MB each.")
        if _wants_json():
            return {"error": {"code": "too_large", "message": message}}, 413
        return render_template("error.html", title=gettext("Too large"), message=message), 413

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> ResponseReturnValue:
        message = gettext("We could not find that page.")
        if _wants_json():
            return {"error": {"code": "not_found", "message": message}}, 404
        return render_template("error.html", title=gettext("Not found"), message=message), 404

    @app.errorhandler(429)
    def rate_limited(error: HTTPException) -> ResponseReturnValue:
        message = gettext("Too many requests. Please wait a moment and try again.")
        if _wants_json():
            return {"error": {"code": "rate_limited", "message": message}}, 429
        return render_template("error.html", title=gettext("Please wait"), message=message), 429
