"""Stored XSS in a real browser: pages full of planted script open without a single alert.

The HTML check in ``test_stored_xss.py`` proves the payloads are escaped;
this one lets headless Chromium (the Playwright set-up of
``tests/test_browser.py``) parse and run the pages, with a ``dialog``
handler that records any ``alert`` the payloads would raise.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.browser_helpers import LAPTOP
from tests.conftest import STAFF_PASSWORD, Cast, MakeComplaint
from tests.hostile.test_stored_xss import plant_payloads

# Elements only a payload could have put there: a script that alerts, an image from
# anywhere but our own paths (and the map's OpenStreetMap tiles), an inline event
# handler, a javascript: URL.
INJECTED_ELEMENTS = """() => [...document.querySelectorAll('*')].filter(e =>
    (e.tagName === 'SCRIPT' && e.textContent.includes('alert'))
    || (e.tagName === 'IMG' && !(e.getAttribute('src') || '').startsWith('/')
        && !(e.closest('.leaflet-tile-pane')
             && e.getAttribute('src').startsWith('https://tile.openstreetmap.org/')))
    || [...e.attributes].some(a => a.name.startsWith('on')
                                   || a.value.trim().toLowerCase().startsWith('javascript:'))
).map(e => e.outerHTML.slice(0, 200))"""


@pytest.fixture
def sqlite_only(database_url: str) -> None:
    """Skip before the browser starts: escaping does not depend on the database."""
    if not database_url.startswith("sqlite"):
        pytest.skip("escaping does not depend on the database: one browser run is enough")


def test_no_planted_script_runs_in_the_browser(
    sqlite_only: None,
    app: Flask,
    cast: Cast,
    make_complaint: MakeComplaint,
    live_server: str,
    open_browser: Any,
) -> None:
    resolved, rejected = plant_payloads(cast, make_complaint)
    page = open_browser(viewport=LAPTOP)
    alerts: list[str] = []

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        alerts.append(dialog.message)
        dialog.dismiss()

    def visit(path: str) -> None:
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
        # The content security policy may stop an injected script from running; the page
        # must not even contain the elements a payload tried to smuggle in.
        injected = page.evaluate(INJECTED_ELEMENTS)
        assert injected == [], f"{path}: {injected}"

    page.on("dialog", on_dialog)
    for path in (f"/track/{resolved}", f"/track/{rejected}", "/stats", "/complaints/new"):
        visit(path)
    assert page.get_by_text("xss-category", exact=False).count() > 0  # rendered, as text

    page.goto(f"{live_server}/staff/login")
    page.locator("#email").fill(cast.officer_a.email)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form button, form input[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/staff/complaints$"))
    for path in (
        "/staff/complaints",
        f"/staff/complaints/{resolved}",
        f"/staff/complaints/{rejected}",
    ):
        visit(path)
    assert page.get_by_text("xss-reason", exact=False).count() > 0
    assert alerts == []
