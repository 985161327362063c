"""'Sudah ada yang melaporkan?' in a real browser on a 360-px phone.

With JavaScript the list appears as soon as a topic and a place are chosen
(static/js/nearby.js), and "Dukung laporan ini" lands on the report's tracking
page with the count; without it, the form comes back with the list after it
is sent. Map tiles are answered locally: no test reaches the internet.
Supporting from the list runs on both databases; the Enter key and the page
without JavaScript, which do not depend on it, on SQLite only (the HTTP tests
in test_web_nearby cover both).
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Complaint, Supporter
from tests.browser_helpers import PHONE, assert_fits, check_accessibility, shot
from tests.conftest import MakeComplaint

PIN = ("0.5412", "123.1345")
NEAR = {"lat": 0.5412 + 100 / 111_195, "lon": 123.1345}
# A 1x1 transparent PNG, for every map tile the page asks for.
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
SET_PIN = """([lat, lon]) => {
  for (const [id, value] of [["lat", lat], ["lon", lon]]) {
    const input = document.getElementById(id);
    input.value = value;
    input.dispatchEvent(new Event("input", {bubbles: true}));
    input.dispatchEvent(new Event("change", {bubbles: true}));
  }
}"""
# Visible controls a thumb must hit (the list's hidden default button is not one).
SMALL_TARGETS = """() => Array.from(document.querySelectorAll('#nearby button, #nearby .btn'))
  .filter(el => !el.classList.contains('visually-hidden'))
  .filter(el => el.getBoundingClientRect().height < 44)
  .map(el => el.textContent.trim())"""


def phone_page(open_browser: Any, javascript: bool = True) -> Any:
    page = open_browser(viewport=PHONE, javascript=javascript)
    if javascript:
        # Only the script draws the map. (Routing also hangs Chromium's multipart form
        # posts without JavaScript, so no route is set where none is needed.)
        page.route(
            re.compile(r"^https?://([a-z]\.)?tile\.openstreetmap\.org/.*"),
            lambda route: route.fulfill(status=200, content_type="image/png", body=TILE),
        )
    return page


def complaints() -> int:
    return db.session.scalar(select(func.count(Complaint.id))) or 0


def test_with_javascript_the_list_appears_and_supporting_lands_on_the_report(
    app: Flask, make_complaint: MakeComplaint, live_server: str, open_browser: Any
) -> None:
    near = make_complaint(
        status="verified",
        description="Jalan di depan masjid berlubang besar, dua motor sudah jatuh minggu ini.",
        **NEAR,
    )
    before = complaints()
    page = phone_page(open_browser)
    page.goto(f"{live_server}/complaints/new")
    page.locator("#category").select_option("road-damage")
    assert page.locator("#nearby .nearby-item").count() == 0
    page.evaluate(SET_PIN, list(PIN))  # as the map does when the pin is dropped
    item = page.locator("#nearby .nearby-item")
    item.first.wait_for()
    assert item.count() == 1
    assert near.code in item.inner_text()
    assert "± 100 m" in item.inner_text()
    page.locator("#phone").fill("0813 1111 2222")
    page.locator("#nearby").scroll_into_view_if_needed()
    assert_fits(page, "form with the nearby list")
    assert page.evaluate(SMALL_TARGETS) == []
    check_accessibility(page, "nearby")
    shot(page, "nearby")

    page.get_by_role("button", name="Dukung laporan ini").click()
    page.wait_for_url(re.compile(rf".*/track/{near.code}$"))
    assert "1 warga lain juga melaporkan masalah ini." in page.locator("main").inner_text()
    assert_fits(page, "tracking page with supporters")
    check_accessibility(page, "nearby-supported")
    shot(page, "nearby-supported")
    assert page.csp_blocked == []
    with app.app_context():
        assert complaints() == before
        [supporter] = db.session.scalars(select(Supporter)).all()
        assert supporter.reporter is not None
        assert supporter.reporter.phone == "+6281311112222"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_with_javascript_enter_in_a_field_files_a_new_report_not_a_support(
    app: Flask, make_complaint: MakeComplaint, live_server: str, open_browser: Any
) -> None:
    make_complaint(status="in_progress", **NEAR)
    before = complaints()
    page = phone_page(open_browser)
    page.goto(f"{live_server}/complaints/new")
    page.locator("#category").select_option("road-damage")
    page.locator("#description").fill("Jalan berlubang lagi di depan masjid, makin dalam.")
    page.evaluate(SET_PIN, list(PIN))
    page.locator("#nearby .nearby-item").first.wait_for()
    page.locator("#name").press("Enter")
    page.wait_for_url(re.compile(r".*/track/ADU-.*\?new=1$|.*/track/ADU-[0-9A-Z-]+$"))
    with app.app_context():
        assert complaints() == before + 1
        assert db.session.scalar(select(func.count(Supporter.id))) == 0
    assert page.csp_blocked == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("locale", ["id-ID", "en-US"])
def test_without_javascript_the_form_comes_back_with_the_list_and_files_anyway(
    app: Flask,
    make_complaint: MakeComplaint,
    live_server: str,
    open_browser: Any,
    locale: str,
) -> None:
    make_complaint(status="verified", **NEAR)
    before = complaints()
    page = phone_page(open_browser, javascript=False)
    language = locale[:2]
    page.goto(f"{live_server}/complaints/new?lang={language}")
    page.locator("#category").select_option("road-damage")
    page.locator("#description").fill("Jalan berlubang lagi di depan masjid, makin dalam.")
    page.locator("details.coordinates summary").click()
    page.locator("#lat").fill(PIN[0])
    page.locator("#lon").fill(PIN[1])
    # The answer is the same address: wait for that navigation itself (a plain click
    # waits forever here when JavaScript is off).
    with page.expect_navigation():
        page.locator("#complaint-form [type=submit]").last.click(no_wait_after=True)
    assert page.locator("#nearby .nearby-item").count() == 1
    assert_fits(page, f"form sent back with the nearby list ({language})")
    assert page.evaluate(SMALL_TARGETS) == []
    check_accessibility(page, f"nearby-nojs-{language}")
    shot(page, f"nearby-nojs-{language}")
    with app.app_context():
        assert complaints() == before
    anyway = "Tetap kirim laporan baru" if language == "id" else "Send a new report anyway"
    page.get_by_role("button", name=anyway).click()
    page.wait_for_url(re.compile(r".*/track/ADU-.*"))
    with app.app_context():
        assert complaints() == before + 1
    assert page.csp_blocked == []
