"""Security headers and error pages shared by every blueprint."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

# No inline scripts or styles anywhere (pages work without JavaScript), so the
# policy needs neither 'unsafe-inline' nor nonces. The API docs page is
# rendered on the server from the spec and loads nothing from elsewhere.
# img-src data: Bootstrap draws the select arrow and the check marks as data: SVGs;
# the complaint form's map shows OpenStreetMap's tiles (Leaflet itself is served
# from here and styles its elements through the CSSOM, which style-src allows).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; "
    "style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Only our own pages may ask for the location ("Use my location" on the complaint
# form); nothing needs a camera, microphone or payment from the browser.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"
# Browsers remember HTTPS-only for a year; sent only on responses served over HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/", "/channels/"))


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # is_secure follows X-Forwarded-Proto only behind trusted proxies
        # (ADUAN_PROXY_HOPS > 0, ProxyFix), so a client cannot fake it.
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
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

    @app.errorhandler(403)
    def forbidden(error: HTTPException) -> ResponseReturnValue:
        message = gettext("You may not do this here.")
        if _wants_json():
            return {"error": {"code": "forbidden", "message": message}}, 403
        if request.path.startswith("/track/"):
            message = gettext(
                "Only the person who filed this report can act on it: open the link in the"
                " message you received when you filed it."
            )
        return render_template("error.html", title=gettext("Not allowed"), message=message), 403

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
