"""A real browser: a citizen files a complaint, an officer handles it to closure.

Runs headless Chromium from the system (/usr/bin/chromium, installed by
.ci/run) through Playwright, takes screenshots into test-artifacts/, and runs
the axe-core accessibility checks on the citizen form, the tracking page and
the staff queue. Under CI=true a missing browser fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import IN_CI, STAFF_PASSWORD, Cast

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SERIOUS = {"serious", "critical"}

playwright_sync = pytest.importorskip("playwright.sync_api")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    app.config.update(SERVER_NAME=None, PUBLIC_BASE_URL=None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser_page() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(locale="id-ID", viewport={"width": 412, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def check_accessibility(page: object, name: str) -> None:
    results = axe_module.Axe().run(page)
    problems = [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation.get("impact") in SERIOUS
    ]
    (ARTIFACTS / f"axe-{name}.txt").write_text("\n".join(problems) or "no serious violations\n")
    assert not problems, f"{name}: " + "; ".join(problems)


def shot(page: object, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_a_citizen_reports_and_an_officer_handles_it_to_closure(
    app: Flask, cast: Cast, live_server: str, browser_page
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser_page
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    # Chromium reports what the Content-Security-Policy blocked on the console.
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )

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
    staff_context = page.context.browser.new_context(
        locale="id-ID", viewport={"width": 1366, "height": 768}
    )
    officer = staff_context.new_page()
    officer.set_default_timeout(15_000)
    officer.on(
        "console",
        lambda message: (
            blocked.append(f"{officer.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    officer.goto(f"{live_server}/staff/login")
    officer.locator("#email").fill(cast.officer_a.email)
    officer.locator("#password").fill(STAFF_PASSWORD)
    officer.locator("form button, form input[type=submit]").first.click()
    officer.wait_for_url(re.compile(r".*/staff/complaints$"))
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
    staff_context.close()

    # The citizen confirms.
    page.goto(f"{live_server}/track/{code}")
    page.get_by_label("Ya, sudah teratasi").check()
    page.get_by_role("button", name="Kirim jawaban").click()
    page.wait_for_load_state()
    shot(page, f"5-closed-{database}")
    assert "Selesai" in page.locator(".facts").inner_text()
    assert not blocked, "blocked by the CSP:\n" + "\n".join(blocked)
