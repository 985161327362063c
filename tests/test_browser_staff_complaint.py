"""An officer works a complaint from the queue to "resolved" on one page, at 1366×768.

Each action is one page load that lands where the officer acted (the action
panel, or the newest entry of the timeline) with its outcome shown there; the
timeline keeps the order of what happened and marks the internal note as
such; axe-core finds no serious or critical problem, nothing scrolls
sideways, the CSP blocks nothing. Screenshot: staff-complaint-laptop.png.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from tests.browser_helpers import LAPTOP, assert_fits, check_accessibility, shot
from tests.conftest import STAFF_PASSWORD, Cast, MakeComplaint, unit


def sign_in(page: Any, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/staff/complaints$"))


def act(page: Any, loads: list[str], click: Any, spot: str) -> str:
    """Click, then check it was one page load landing at ``#spot`` with the notice in view."""
    before = len(loads)
    with page.expect_navigation():
        click()
    page.wait_for_load_state()
    assert len(loads) == before + 1, loads[before:]
    assert page.url.endswith(f"#{spot}"), page.url
    notice = page.locator(".notice").first
    box = notice.bounding_box()
    assert box is not None and 0 <= box["y"] < LAPTOP["height"], "the outcome is out of view"
    return str(notice.inner_text())


def test_an_officer_works_a_complaint_from_the_queue_to_resolved(
    app: Flask, cast: Cast, make_complaint: MakeComplaint, live_server: str, open_browser: Any
) -> None:
    complaint = make_complaint(
        phone="0812 3456 7890",
        description="Jalan di depan SDN 1 Kabila berlubang besar dan tergenang saat hujan.",
    )
    code = complaint.code
    pupr = str(unit("PUPR").id)
    page = open_browser(viewport=LAPTOP)
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    sign_in(page, live_server, cast.officer_a.email)

    page.get_by_role("link", name=code).click()
    page.wait_for_url(re.compile(rf".*/staff/complaints/{code}$"))
    assert "Menunggu verifikasi" in page.locator(".complaint-head").inner_text()
    # Only the moves allowed now: verify, merge, reject; nothing to resolve yet.
    assert page.locator(f"form[action$='/{code}/resolve']").count() == 0
    page.locator("#unit").select_option(pupr)
    notice = act(
        page, loads, page.get_by_role("button", name="Verifikasi dan teruskan").click, "actions"
    )
    assert "diverifikasi dan diteruskan" in notice
    page.locator("#assignee").select_option(str(cast.officer_a.id))
    act(page, loads, page.get_by_role("button", name="Tugaskan", exact=True).click, "actions")
    page.locator("#composer-body").fill("Tim kami akan datang hari Kamis.")
    notice = act(page, loads, page.get_by_role("button", name="Kirim ke warga").click, "latest")
    # No channel is configured in the tests: the officer is not told it was sent.
    assert "warga tidak dapat dihubungi lewat kanal yang aktif" in notice
    page.locator("#composer-body").fill("Gunakan anggaran pemeliharaan rutin.")
    act(
        page,
        loads,
        page.get_by_role("button", name="Simpan sebagai catatan internal").click,
        "latest",
    )
    act(page, loads, page.get_by_role("button", name="Mulai tangani").click, "actions")
    page.locator("#resolve-body").fill("Lubang sudah ditambal pada 26 November.")
    act(page, loads, page.get_by_role("button", name="Tandai selesai").click, "actions")
    assert "Menunggu konfirmasi warga" in page.locator(".complaint-head").inner_text()

    entries = page.locator(".timeline .entry")
    texts = [t.strip() for t in entries.all_inner_texts()]
    order = [
        "Laporan warga",
        "Diverifikasi dan diteruskan ke Dinas Pekerjaan Umum",
        "Ditugaskan kepada",
        "Tim kami akan datang hari Kamis.",
        "Gunakan anggaran pemeliharaan rutin.",
        "Mulai ditangani oleh",
        "Lubang sudah ditambal",
    ]
    positions = [next(i for i, t in enumerate(texts) if phrase in t) for phrase in order]
    assert positions == sorted(positions), texts
    note = page.locator(".timeline .entry-note")
    assert note.count() == 1 and "Catatan internal" in note.inner_text()
    reply = page.locator(".timeline .entry-reply")
    assert "Catatan internal" not in reply.inner_text()
    assert "kanal mati, tidak dapat dikirim" in reply.inner_text()
    colours = [el.evaluate("e => getComputedStyle(e).backgroundColor") for el in (note, reply)]
    assert colours[0] != colours[1], "the note looks like the reply"

    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "staff-complaint-laptop")

    check_accessibility(page, "staff-complaint")
    assert_fits(page, "staff-complaint")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2600, f"the page is {height} px tall"
    assert page.csp_blocked == []
