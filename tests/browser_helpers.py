"""Shared pieces of the browser tests: a live server, Chromium pages at the sizes people use.

Debian's Chromium (/usr/bin/chromium, installed by ``make browser``) through
Playwright, which downloads nothing. Under CI=true a missing browser fails
the test. The fixtures (``live_server``, ``browser``, ``open_browser``) are
registered for every test module by ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python import sync_playwright as axe_module
from flask import Flask
from playwright import sync_api as playwright_sync
from werkzeug.serving import make_server

from tests.conftest import IN_CI, STAFF_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SERIOUS = {"serious", "critical"}
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}
OSM_TILES = "https://tile.openstreetmap.org/**"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    app.config.update(SERVER_NAME=None, PUBLIC_BASE_URL=None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


class _Chromium:
    """One headless Chromium per test session (and xdist worker), started on first use.

    Starting Chromium costs about a second; a test's isolation comes from its
    own contexts (own cookies and storage), which are closed after every test.
    """

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None

    def get(self) -> Any:
        if self._browser is None or not self._browser.is_connected():
            if self._playwright is None:
                self._playwright = playwright_sync.sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
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
        return self._browser

    def stop(self) -> None:
        if self._browser is not None and self._browser.is_connected():
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


@pytest.fixture(scope="session")
def _chromium() -> Iterator[_Chromium]:
    chromium = _Chromium()
    yield chromium
    chromium.stop()


@pytest.fixture
def browser(_chromium: _Chromium) -> Iterator[Any]:
    """The headless Chromium for the test; make contexts with :func:`new_page`.

    Every context the test opened is closed when it ends."""
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(exist_ok=True)
    chromium = _chromium.get()
    yield chromium
    if chromium.is_connected():
        for context in list(chromium.contexts):
            context.close()


@pytest.fixture
def open_browser(browser: Any) -> Callable[..., Any]:
    """``open_browser(viewport=PHONE, javascript=True, locale="id-ID", **context_options)``:
    a new page in a context of its own (own cookies), with CSP violations collected
    in ``page.csp_blocked``."""

    def new_page(
        viewport: dict[str, int] = PHONE,
        javascript: bool = True,
        locale: str = "id-ID",
        **options: Any,
    ) -> Any:
        context = browser.new_context(
            locale=locale, viewport=viewport, java_script_enabled=javascript, **options
        )
        # The complaint form's map never loads OpenStreetMap's tiles from the internet;
        # a test that wants tiles answers them itself (page.route wins over this).
        context.route(OSM_TILES, lambda route: route.abort())
        page = context.new_page()
        page.set_default_timeout(15_000)
        blocked: list[str] = []
        page.on(
            "console",
            lambda message: (
                blocked.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.csp_blocked = blocked
        page.javascript_enabled = javascript
        return page

    return new_page


def sign_in(page: Any, live_server: str, email: str, password: str = STAFF_PASSWORD) -> None:
    """Sign a staff member in through the login form; they land on the queue."""
    page.goto(f"{live_server}/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(r".*/staff/complaints$"))


def check_accessibility(page: Any, name: str) -> None:
    """axe-core on the page as it is: no serious or critical violation.

    axe cannot run where scripts are off (its run never ends there): for such a
    page the same HTML, at the same address with the same cookies, is read by a
    page where it can.
    """
    if getattr(page, "javascript_enabled", True):
        _axe(page, name)
        return
    html = page.content()
    context = page.context.browser.new_context(
        viewport=page.viewport_size, storage_state=page.context.storage_state()
    )
    try:
        reader = context.new_page()
        reader.route(page.url, lambda route: route.fulfill(body=html, content_type="text/html"))
        reader.goto(page.url)
        _axe(reader, name)
    finally:
        context.close()


def _axe(page: Any, name: str) -> None:
    results = axe_module.Axe().run(page)
    problems = [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation.get("impact") in SERIOUS
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}.txt").write_text("\n".join(problems) or "no serious violations\n")
    assert not problems, f"{name}: " + "; ".join(problems)


def assert_fits(page: Any, name: str) -> None:
    """No sideways scrolling: the page is no wider than the screen."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{name}: {widths[0]} px wide on a {widths[1]} px screen"


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def check_screen(page: Any, name: str) -> None:
    """A screenshot, then axe, the fit to the screen and no CSP violation so far."""
    shot(page, name)
    check_accessibility(page, name)
    assert_fits(page, name)
    assert not page.csp_blocked, page.csp_blocked
