"""Two-step sign-in in a real browser at a laptop's 1366×768: an officer with an
authenticator app signs in with the password, then the app's code (pyotp's).
The code page passes axe-core, fits, and is kept as staff-totp.png."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import pyotp

from complaints.extensions import db
from tests.browser_helpers import LAPTOP, assert_fits, check_accessibility, shot
from tests.conftest import STAFF_PASSWORD, Cast


def test_an_officer_signs_in_with_an_authenticator_code(
    live_server: str, open_browser: Any, cast: Cast
) -> None:
    secret = pyotp.random_base32()
    officer = cast.officer_a
    officer.totp_secret = secret
    officer.totp_confirmed_at = datetime(2026, 11, 1, tzinfo=UTC)
    db.session.commit()

    page = open_browser(viewport=LAPTOP)
    page.goto(f"{live_server}/staff/login")
    page.locator("#email").fill(officer.email)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form input[type=submit], form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/staff/login/code$"))
    assert "aplikasi autentikator" in page.content()
    check_accessibility(page, "staff sign-in code")
    assert_fits(page, "staff sign-in code")
    page.locator("#code").fill("000000")
    page.locator("form input[type=submit], form button[type=submit]").first.click()
    assert "Kode salah" in page.content()
    page.locator("#code").fill(pyotp.TOTP(secret).at(time.time()))
    shot(page, "staff-totp")
    page.locator("form input[type=submit], form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/staff/complaints$"))
    assert page.csp_blocked == []
