"""Session fixation: signing in starts a new session; signing out ends it.

The session is a signed cookie, so there is no server-side id to steal; what
someone who plants a cookie in a victim's browser could fix is its content,
above all the CSRF token. These tests play that attacker.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import STAFF_PASSWORD, Cast, MakeComplaint, csrf_token_from
from tests.staff_helpers import session_csrf

COOKIE = "session"


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE, domain="aduan.test")
    assert cookie is not None
    return cookie.value


def sign_in(client: FlaskClient, email: str, token: str) -> None:
    response = client.post(
        "/staff/login", data={"email": email, "password": STAFF_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_signing_in_issues_a_new_csrf_token_and_refuses_the_old_one(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    victim = app.test_client()
    planted_token = csrf_token_from(victim.get("/staff/login").get_data(as_text=True))
    sign_in(victim, cast.officer_a.email, planted_token)

    fresh_token = session_csrf(victim)
    assert fresh_token != planted_token
    # A forged form carrying the token the attacker knew is refused …
    forged = victim.post(
        f"/staff/complaints/{complaint.code}/note",
        data={"body": "forged", "csrf_token": planted_token},
    )
    assert forged.status_code == 400
    # … while the victim's own form goes through.
    own = victim.post(
        f"/staff/complaints/{complaint.code}/note",
        data={"body": "Cek lapangan besok.", "csrf_token": fresh_token},
    )
    assert own.status_code == 302
    assert [message.body for message in complaint.messages] == ["Cek lapangan besok."]


def test_a_cookie_captured_before_sign_in_is_not_signed_in(app: Flask, cast: Cast) -> None:
    victim = app.test_client()
    token = csrf_token_from(victim.get("/staff/login?lang=en").get_data(as_text=True))
    captured = session_cookie(victim)
    sign_in(victim, cast.officer_a.email, token)
    assert session_cookie(victim) != captured
    assert victim.get("/staff/complaints").status_code == 200
    # The language chosen before signing in survives the renewal.
    assert 'lang="en"' in victim.get("/staff/complaints").get_data(as_text=True)

    attacker = app.test_client()
    attacker.set_cookie(COOKIE, captured, domain="aduan.test")
    response = attacker.get("/staff/complaints")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_signing_out_clears_the_session(app: Flask, cast: Cast) -> None:
    client = app.test_client()
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    sign_in(client, cast.officer_a.email, token)
    signed_in_token = session_csrf(client)
    signed_in_cookie = session_cookie(client)

    assert client.post("/staff/logout", data={"csrf_token": signed_in_token}).status_code == 302
    page = client.get("/staff/login").get_data(as_text=True)
    assert csrf_token_from(page) != signed_in_token
    # The cookie from before signing out does not work any more once replaced …
    assert client.get("/staff/complaints").status_code == 302
    assert signed_in_cookie != session_cookie(client)
    # … nor does a copy kept elsewhere: signing out moved the account's session
    # generation on (more in test_session_revocation.py).
    copy = app.test_client()
    copy.set_cookie(COOKIE, signed_in_cookie, domain="aduan.test")
    assert copy.get("/staff/complaints").status_code == 302
