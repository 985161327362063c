"""The likely duplicates on the staff complaint page in Chromium, at 1366×768 and 768×1024.

The list reads as words (code, reason, category and status, excerpt), axe-core
finds no serious problem, nothing scrolls sideways, and one click on "Gabungkan
ke …" merges. Screenshots: staff-duplicates-laptop.png, staff-duplicates-tablet.png.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from complaints import clock
from complaints.auth import create_user
from complaints.extensions import db
from tests.browser_helpers import LAPTOP, TABLET, check_screen, sign_in
from tests.conftest import DEFAULT_NOW, STAFF_PASSWORD, MakeComplaint
from tests.test_duplicates import LIGHT, NEW_LAMP_WANTED, PIN, SAME_LIGHT_REWORDED, east, north


# The screens (the one-click merge is also tested over HTTP on both databases in
# test_duplicates.py).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_officer_reads_the_likely_duplicates_and_merges_with_one_click(
    app: Flask, app_ctx: Flask, make_complaint: MakeComplaint, live_server: str, open_browser: Any
) -> None:
    officer = create_user(
        "dewi@bonebolangokab.go.id", "officer", STAFF_PASSWORD, unit_code="DISHUB"
    )
    db.session.commit()
    clock.set_now(DEFAULT_NOW - timedelta(days=2))
    lighting = {"category_code": "street-lighting"}
    original = make_complaint(description=SAME_LIGHT_REWORDED, **lighting, **_at(north(80)))
    make_complaint(description=NEW_LAMP_WANTED, **lighting, **_at(east(30)))
    clock.set_now(DEFAULT_NOW)
    subject = make_complaint(description=LIGHT, **lighting, **_at(PIN))
    code, original_code = subject.code, original.code

    for name, viewport in (("laptop", LAPTOP), ("tablet", TABLET)):
        page = open_browser(viewport=viewport)
        sign_in(page, live_server, officer.email)
        page.goto(f"{live_server}/staff/complaints/{code}")
        items = page.locator(".likely-duplicate")
        assert items.count() == 2
        first = items.first.inner_text()
        assert first.startswith(original_code)
        assert re.search(r"\d+ % mirip, 80 m", first)
        assert "Penerangan jalan umum · Diterima, menunggu pemeriksaan" in first
        check_screen(page, f"staff-duplicates-{name}")

    with page.expect_navigation():
        page.get_by_role("button", name=f"Gabungkan ke {original_code}").click()
    assert f"Digabungkan ke {original_code}." in page.locator(".notice").first.inner_text()
    assert page.locator(".likely-duplicate").count() == 0


def _at(place: tuple[float, float]) -> dict[str, float]:
    return {"lat": place[0], "lon": place[1]}
