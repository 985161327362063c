"""Every public page fits a 360-px phone: both languages, JavaScript on and off.

The pages a citizen or a member of the public reaches without a code of
their own: home, the form and its error state, the tracking lookup (also
with a malformed code), /stats with figures and a list, and the 404 page.
(The tracking page in every status has its own browser test.) Each is
checked for sideways scrolling, axe-core's serious and critical rules,
44-px tap targets and the CSP, with a screenshot per page. The layout does
not depend on the database: SQLite only (the HTTP tests cover both).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from complaints.models import Status
from tests.browser_helpers import PHONE, assert_fits, check_accessibility, shot
from tests.conftest import MakeComplaint

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

LONG_TEXT = (
    "Jalan poros Desa Bulotalangi Timur menuju Kantor Kecamatan Bulango Timur rusak parah "
    "sepanjang kurang-lebih dua kilometer: lubang sedalam tiga puluh sentimeter, "
    "https://contoh.bonebolangokab.go.id/laporan/jalan-poros-bulotalangi-timur-kerusakan "
    "dan genangan air setiap hujan. Mohon segera diperbaiki sebelum musim hujan."
)

# Controls a thumb must hit: visible inputs, selects, buttons, links styled as buttons.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'main input:not([type=hidden]):not([type=radio]):not([type=checkbox]), main select,'
    + ' main textarea, main button, main .btn, header .nav-link'))
  .filter(el => el.offsetParent !== null)
  .filter(el => el.getBoundingClientRect().height < 44)
  .map(el => (el.id || el.name || el.textContent.trim()).slice(0, 40))"""


def _pages(live_server: str) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("form", "/complaints/new"),
        ("lookup", "/track"),
        ("lookup-bad-code", "/track?code=xyz"),
        ("stats", "/stats"),
        ("not-found", "/tidak-ada"),
    ]


@pytest.fixture
def public_figures(make_complaint: MakeComplaint) -> None:
    """Complaints /stats lists and counts, one with a long unbroken link in its text."""
    make_complaint(Status.IN_PROGRESS.value, description=LONG_TEXT)
    make_complaint(Status.CLOSED.value)
    make_complaint(Status.VERIFIED.value, category_code="clean-water")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("locale", ["id-ID", "en-US"])
def test_public_pages_fit_a_phone(
    app: Flask,
    public_figures: None,
    live_server: str,
    open_browser: Any,
    locale: str,
    javascript: bool,
) -> None:
    page = open_browser(viewport=PHONE, javascript=javascript, locale=locale)
    language = "id" if locale.startswith("id") else "en"
    suffix = f"{language}-{'js' if javascript else 'nojs'}"
    if language == "en":
        page.goto(f"{live_server}/?lang=en")
    for name, path in _pages(live_server):
        page.goto(f"{live_server}{path}")
        assert page.locator("html").get_attribute("lang") == language
        assert_fits(page, f"{name} ({suffix})")
        assert page.evaluate(SMALL_TARGETS) == [], f"{name}: tap targets under 44 px"
        check_accessibility(page, f"phone-{name}-{suffix}")
        shot(page, f"phone-{name}-{suffix}")
    assert page.csp_blocked == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_form_with_errors_fits_a_phone(
    app: Flask, live_server: str, open_browser: Any, javascript: bool
) -> None:
    page = open_browser(viewport=PHONE, javascript=javascript)
    page.goto(f"{live_server}/complaints/new")
    page.locator("#description").fill("Pendek")
    page.locator("#phone").fill("bukan nomor")
    page.locator("#complaint-form [type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator(".alert-danger").count() >= 1
    assert page.locator("#description").input_value() == "Pendek"
    assert_fits(page, "form with errors")
    check_accessibility(page, f"phone-form-errors-{'js' if javascript else 'nojs'}")
    shot(page, f"phone-form-errors-{'js' if javascript else 'nojs'}")
    assert page.csp_blocked == []
