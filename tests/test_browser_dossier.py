"""The evidence dossier in Chromium: the form at a laptop's width, the page as it prints on A4.

A supervisor fills the form (prefilled with the letterhead's signer) and
issues the print page; with print media emulated at A4's 794 px, and at the
174 mm left inside the page's margins, no element reaches past the page and
every table keeps its fixed layout and repeats its header. Screenshots go to
test-artifacts/. The layout does not depend on the database: SQLite only.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from complaints.models import Complaint
from tests.browser_helpers import LAPTOP, assert_fits, check_accessibility, shot, sign_in
from tests.conftest import Cast
from tests.test_dossier import office

__all__ = ["office"]  # the fixture, shared with test_dossier

A4_WIDTH = 794  # px at 96 dpi
PRINTABLE_WIDTH = round((210 - 20 - 15) / 25.4 * 96)  # inside the 20 mm and 15 mm margins

WIDER_THAN_THE_PAGE = """() => {
  const limit = document.documentElement.clientWidth + 0.5;
  return Array.from(document.querySelectorAll('body *'))
    .map(e => [e, Math.round(e.getBoundingClientRect().right)])
    .filter(([e, right]) => right > limit)
    .map(([e, right]) => `${e.tagName}.${e.getAttribute('class')} ${right}`);
}"""
TABLE_STYLES = """() => Array.from(document.querySelectorAll('table')).map(t => [
  getComputedStyle(t).tableLayout,
  t.tHead ? getComputedStyle(t.tHead).display : 'table-header-group',
])"""


def fits_the_page(page: Any, width: int, name: str) -> None:
    page.set_viewport_size({"width": width, "height": 1123})
    assert page.evaluate(WIDER_THAN_THE_PAGE) == [], name
    assert_fits(page, name)
    shot(page, name)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_dossier_form_and_its_print_page_fit_a4(
    app: Flask,
    cast: Cast,
    office: dict[str, Complaint],
    live_server: str,
    open_browser: Any,
) -> None:
    page = open_browser(viewport=LAPTOP)
    sign_in(page, live_server, cast.supervisor.email)
    page.goto(f"{live_server}/staff/reports")
    page.get_by_role("link", name=re.compile("bukti", re.IGNORECASE)).first.click()
    page.wait_for_url(re.compile(r".*/staff/reports/dossier\?.*"))
    assert page.locator("#signer_name").input_value() == "Hamdan Datunsolang"
    page.locator("#period").select_option("2026-Q4")
    check_accessibility(page, "dossier-form")
    assert_fits(page, "dossier-form")
    shot(page, "dossier-form")

    page.get_by_role("button", name="Terbitkan dan tampilkan halaman cetak").click()
    page.wait_for_url(re.compile(r".*/staff/reports/dossier\?run=.*"))
    assert "Nomor: 001/ADUAN/XI/2026" in page.content()
    check_accessibility(page, "dossier-page")
    shot(page, "dossier-page-screen")
    assert not page.csp_blocked, page.csp_blocked

    page.emulate_media(media="print")
    assert page.locator(".toolbar").is_hidden()  # the links are not printed
    assert set(map(tuple, page.evaluate(TABLE_STYLES))) == {("fixed", "table-header-group")}
    fits_the_page(page, A4_WIDTH, "dossier-print-a4")
    fits_the_page(page, PRINTABLE_WIDTH, "dossier-print-inside-margins")
