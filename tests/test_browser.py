"""A real browser: a citizen files a complaint, an officer handles it to closure.

Runs headless Chromium from the system through Playwright
(tests/browser_helpers.py), takes screenshots into test-artifacts/, and runs
the axe-core accessibility checks on the citizen form, the tracking page and
the staff queue.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from tests.browser_helpers import LAPTOP, PHONE, check_accessibility, shot, sign_in
from tests.conftest import Cast


def test_a_citizen_reports_and_an_officer_handles_it_to_closure(
    app: Flask, cast: Cast, live_server: str, open_browser: Any
) -> None:
    page = open_browser(viewport=PHONE)
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    # Chromium reports what the Content-Security-Policy blocked on the console.
    blocked: list[str] = page.csp_blocked

    # The citizen files a report.
    page.goto(f"{live_server}/complaints/new")
    check_accessibility(page, "form")
    page.get_by_label("Kategori").select_option("road-damage")
    page.get_by_label("Apa yang terjadi?").fill(
        "Jalan di depan SDN 1 Kabila berlubang besar dan tergenang saat hujan."
    )
    page.get_by_label("Nomor HP (opsional)").fill("0812 3456 7890")
    shot(page, f"1-form-{database}")
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url(re.compile(r".*/track/ADU-.*"))
    code = page.locator(".code-box .code").inner_text().strip()
    assert re.fullmatch(r"ADU-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    check_accessibility(page, "tracking")
    shot(page, f"2-tracking-{database}")
    assert "0812" not in page.content()

    # The officer signs in and handles it, in a browser of their own: the citizen's
    # browser stays the one that filed, remembered as the reporter.
    officer = open_browser(viewport=LAPTOP)
    sign_in(officer, live_server, cast.officer_a.email)
    check_accessibility(officer, "queue")
    shot(officer, f"3-queue-{database}")
    officer.get_by_role("link", name=code).click()
    # Buttons by their form's action: the labels are translated, the URLs are the contract.
    officer.locator(f"form[action$='/{code}/verify'] [type=submit]").click()
    officer.locator(f"form[action$='/{code}/start'] [type=submit]").click()
    officer.locator("#resolve-body").fill("Lubang sudah ditambal dan drainase dibersihkan.")
    officer.locator(f"form[action$='/{code}/resolve'] [type=submit]").click()
    shot(officer, f"4-complaint-{database}")
    assert "resolved" in officer.content()
    blocked += officer.csp_blocked

    # The citizen confirms.
    page.goto(f"{live_server}/track/{code}")
    page.get_by_label("Ya, sudah teratasi").check()
    page.get_by_role("button", name="Kirim jawaban").click()
    page.wait_for_load_state()
    shot(page, f"5-closed-{database}")
    assert "Selesai" in page.locator(".facts").inner_text()
    assert not blocked, "blocked by the CSP:\n" + "\n".join(blocked)
