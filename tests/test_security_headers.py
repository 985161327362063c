"""Security headers on every response: a strict CSP, no framing, HSTS over HTTPS only.

The browser side (no CSP violation in Chromium's console on the citizen and
staff pages) is checked in tests/test_browser.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from complaints import create_app
from tests.conftest import Cast, MakeComplaint
from tests.staff_helpers import signed_in

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# What a script-src/style-src without 'unsafe-inline' would block in a page.
INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)|<style\b|\sstyle=|\son[a-z]+\s*=", re.IGNORECASE)


def assert_hardened(response: object, where: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    policy = headers.get("Content-Security-Policy", "")
    directives = {
        name: value.strip()
        for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))
        if name
    }
    assert directives.get("default-src") == "'self'", where
    assert directives.get("script-src") == "'self'", where
    assert directives.get("style-src") == "'self'", where
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    assert directives.get("frame-ancestors") == "'none'", where
    assert directives.get("form-action") == "'self'", where
    assert directives.get("base-uri") == "'self'", where
    assert directives.get("object-src") == "'none'", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin")
    permissions = headers.get("Permissions-Policy", "")
    assert "camera=()" in permissions and "microphone=()" in permissions, where
    # "Use my location" on the complaint form: our own pages only, no frame of another site.
    assert "geolocation=(self)" in permissions, where
    # The form's map shows OpenStreetMap's tiles: that server, not any server.
    images = directives.get("img-src", "").split()
    assert "https://tile.openstreetmap.org" in images, where
    assert not {"*", "https:", "http:"} & set(images), where


def test_every_kind_of_response_carries_the_headers(
    app: Flask, client: FlaskClient, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    public = [
        "/",
        "/complaints/new",
        "/track",
        f"/track/{complaint.code}",
        "/stats",
        "/staff/login",
        "/api/docs",
        "/api/openapi.json",
        "/api/v1/categories",
        "/open311/v2/services.json",
        "/healthz",
        "/static/aduan.css",
        "/no-such-page",
        "/api/v1/no-such-thing",
    ]
    for url in public:
        response = client.get(url)
        assert response.status_code < 500, url
        assert_hardened(response, url)
    staff = signed_in(app, cast.admin.email)
    for url in ["/staff/complaints", f"/staff/complaints/{complaint.code}", "/staff/admin/"]:
        response = staff.get(url)
        assert response.status_code == 200, url
        assert_hardened(response, url)
    refused = client.post("/staff/login", data={"email": "x@y.id", "password": "x"})
    assert refused.status_code == 400  # no CSRF token: the error page is hardened too
    assert_hardened(refused, "CSRF error page")


def test_no_template_has_inline_scripts_styles_or_handlers() -> None:
    # templates/mail/ are e-mails, read in mail programs (no CSP there, and most of
    # them ignore <style>): their styles must be inline. Never served as a page.
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        if path.relative_to(TEMPLATES).parts[0] != "mail"
        for match in INLINE_CODE.finditer(path.read_text())
    ]
    assert not offenders, "inline code the CSP would block:\n" + "\n".join(offenders)


def test_hsts_is_sent_over_https_only(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://aduan.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize("hops", [0, 1])
def test_a_forwarded_https_counts_only_behind_a_trusted_proxy(app: Flask, hops: int) -> None:
    proxied = create_app({**app.config, "ADUAN_PROXY_HOPS": hops})
    response = proxied.test_client().get(
        "/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    )
    assert response.status_code == 200
    assert ("Strict-Transport-Security" in response.headers) is (hops > 0)
