"""The document register in Chromium: a supervisor picks a quarter, finds what is missing,
uploads the team's decree and the meeting minutes, and sees both criteria met.

At a laptop's 1366×768 and a phone's 360×740: axe-core finds no serious
problem, nothing scrolls sideways, no CSP violation. Screenshots in
test-artifacts/ (assessment-documents-*.png). SQLite only: nothing here
depends on the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser_helpers import ARTIFACTS, LAPTOP, PHONE, check_screen, sign_in
from tests.conftest import Cast

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _upload(page: Any, kind: str, title: str, day: str, path: Path, **period: str) -> None:
    form = page.locator("form.document-form")
    form.locator("#kind").select_option(kind)
    form.locator("#title").fill(title)
    form.locator("#document_date").fill(day)
    for name, value in period.items():
        form.locator(f"#{name}").fill(value)
    form.locator("#file").set_input_files(str(path))
    with page.expect_navigation():
        form.locator("#submit").click()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_supervisor_uploads_the_decree_and_the_minutes_for_a_quarter(
    app: Flask, cast: Cast, live_server: str, open_browser: Any, tmp_path: Path
) -> None:
    decree = tmp_path / "SK Tim Pengelola Pengaduan.pdf"
    decree.write_bytes(PDF_BYTES)
    minutes = tmp_path / "Notulen rapat evaluasi.pdf"
    minutes.write_bytes(PDF_BYTES)
    page = open_browser(viewport=LAPTOP)
    sign_in(page, live_server, cast.supervisor.email)

    with page.expect_navigation():
        page.get_by_role("link", name="Dokumen penilaian").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Triwulan ini").click()  # Q4 2026 (today is 25 Nov)
    assert page.locator(".criterion-missing").count() == 5
    check_screen(page, "assessment-documents-empty")

    with page.expect_navigation():
        page.locator("form.document-form #submit").click()  # nothing filled in
    assert page.locator("#error-summary").is_visible()
    assert "Pilih jenis dokumen." in page.locator("#error-summary").inner_text()
    check_screen(page, "assessment-documents-errors")

    _upload(
        page,
        "team_decree",
        "Keputusan Bupati tentang Tim Pengelola Pengaduan",
        "2026-01-02",
        decree,
    )
    _upload(
        page,
        "evaluation_minutes",
        "Notulen Rapat Evaluasi Triwulan IV",
        "2026-11-20",
        minutes,
        period_from="2026-10-01",
        period_to="2026-12-31",
    )
    assert "Tersimpan: Notulen Rapat Evaluasi Triwulan IV." in page.inner_text("main")
    assert page.locator(".criterion-met").count() == 2
    assert page.locator(".document-table tbody tr").count() == 2
    check_screen(page, "assessment-documents-laptop")

    # The reports dashboard: indicator 27's criteria from the register, then the usage signals.
    page.goto(f"{live_server}/staff/reports?from=2026-10-01&to=2026-12-31&unit=PUPR")
    assert page.locator(".criterion-met").count() == 2
    assert page.get_by_text("Fakta pendukung").is_visible()
    page.locator(".criteria").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "assessment-documents-dashboard.png"))

    phone = open_browser(viewport=PHONE)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{live_server}/staff/assessment/documents?from=2026-10-01&to=2026-12-31")
    assert phone.locator(".criterion-met").count() == 2
    check_screen(phone, "assessment-documents-phone")
