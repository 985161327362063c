"""Stored XSS in a real browser: pages full of planted script open without a single alert.

The HTML check in ``test_stored_xss.py`` proves the payloads are escaped;
this one lets headless Chromium (the Playwright set-up of
``tests/test_browser.py``) parse and run the pages, with a ``dialog``
handler that records any ``alert`` the payloads would raise.
"""

from __future__ import annotations

import re

from flask import Flask

from tests.conftest import STAFF_PASSWORD, Cast, MakeComplaint
from tests.hostile.test_stored_xss import plant_payloads
from tests.test_browser import browser_page, live_server  # noqa: F401 -- fixtures


def test_no_planted_script_runs_in_the_browser(
    app: Flask,
    cast: Cast,
    make_complaint: MakeComplaint,
    live_server: str,  # noqa: F811 -- the fixture imported above
    browser_page,  # noqa: F811
) -> None:
    resolved, rejected = plant_payloads(cast, make_complaint)
    page = browser_page
    alerts: list[str] = []

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        alerts.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    for path in (f"/track/{resolved}", f"/track/{rejected}", "/stats", "/complaints/new"):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
    assert page.get_by_text("xss-category", exact=False).count() > 0  # rendered, as text

    page.goto(f"{live_server}/staff/login")
    page.locator("#email").fill(cast.officer_a.email)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form button, form input[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/staff/complaints$"))
    for path in (f"/staff/complaints/{resolved}", f"/staff/complaints/{rejected}"):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
    assert page.get_by_text("xss-reason", exact=False).count() > 0
    # Links a payload tried to smuggle in are text, not anchors.
    assert page.locator("a[href^='javascript:']").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert alerts == []
