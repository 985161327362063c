"""An officer works a complaint from the queue to "resolved" on one page, at 1366×768.

Each action is one page load that lands where the officer acted (the action
panel, or the newest entry of the timeline) with its outcome shown there; the
timeline keeps the order of what happened and marks the internal note as
such; axe-core finds no serious or critical problem, nothing scrolls
sideways, the CSP blocks nothing; at 768×1024 the page and the queue fit
without a sideways-scrolling table. Screenshots: staff-complaint-laptop.png,
staff-complaint-tablet.png, staff-queue-tablet.png, staff-presence-*.png.
"""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from PIL import Image

from complaints.extensions import db
from tests.browser_helpers import LAPTOP, TABLET, assert_fits, check_accessibility, shot, sign_in
from tests.conftest import Cast, MakeComplaint, unit


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


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


# Whether an <img> loaded a picture: at once when it is done, else when it ends.
LOADED = """img => img.complete ? img.naturalWidth > 0 : new Promise(done => {
    img.addEventListener("load", () => done(img.naturalWidth > 0));
    img.addEventListener("error", () => done(false));
})"""


def test_an_officer_works_a_complaint_from_the_queue_to_resolved(
    app: Flask, cast: Cast, make_complaint: MakeComplaint, live_server: str, open_browser: Any
) -> None:
    complaint = make_complaint(
        phone="0812 3456 7890",
        description="Jalan di depan SDN 1 Kabila berlubang besar dan tergenang saat hujan.",
    )
    code = complaint.code
    # Company in the queue: a long text, another status, an assignee.
    other = make_complaint(
        status="verified",
        description="Lampu jalan di Jalan Trans Sulawesi dekat Pasar Suwawa padam sejak"
        " dua minggu; malam hari gelap sekali dan rawan kecelakaan bagi pengendara motor.",
    )
    other.assignee = cast.supervisor
    make_complaint(status="in_progress", category_code="road-damage")
    db.session.commit()
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
    page.locator("#resolve-files").set_input_files(
        {"name": "sesudah.png", "mimeType": "image/png", "buffer": _photo()}
    )
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
    # The resolution's photo, under it, as a thumbnail that loaded.
    # (loading="lazy": in view, then given the time to arrive; a broken image answers false.)
    thumbnail = entries.last.locator("img.file-thumb")
    thumbnail.scroll_into_view_if_needed()
    assert thumbnail.evaluate(LOADED)
    colours = [el.evaluate("e => getComputedStyle(e).backgroundColor") for el in (note, reply)]
    assert colours[0] != colours[1], "the note looks like the reply"

    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "staff-complaint-laptop")

    check_accessibility(page, "staff-complaint")
    assert_fits(page, "staff-complaint")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2600, f"the page is {height} px tall"

    # On a tablet (768×1024): the page in one column, the queue's main columns without a
    # sideways-scrolling table (the secondary ones wait for a wider screen).
    page.set_viewport_size(TABLET)
    page.reload()
    assert_fits(page, "staff-complaint-tablet")
    shot(page, "staff-complaint-tablet")
    page.goto(f"{live_server}/staff/complaints")
    table = page.locator(".queue-table")
    box = page.evaluate(
        "() => { const b = document.querySelector('.table-responsive');"
        " return [b.scrollWidth, b.clientWidth]; }"
    )
    assert box[0] <= box[1], f"the queue scrolls sideways at 768 px: {box}"
    assert table.locator(f"tr:has-text('{code}')").is_visible()
    assert_fits(page, "staff-queue-tablet")
    check_accessibility(page, "staff-queue-tablet")
    shot(page, "staff-queue-tablet")
    assert page.csp_blocked == []


def test_two_officers_on_one_complaint_see_each_other_and_the_change_without_reloading(
    app: Flask, cast: Cast, make_complaint: MakeComplaint, live_server: str, open_browser: Any
) -> None:
    """Alice has the complaint open; Charlie opens it too and starts work on it. Alice's
    page names Charlie at its next poll, then says the complaint changed, with a link to
    reload; Charlie's page named Alice as it loaded."""
    complaint = make_complaint(status="verified")
    url = f"{live_server}/staff/complaints/{complaint.code}"
    alice = open_browser(viewport=TABLET)
    sign_in(alice, live_server, cast.officer_a.email)
    alice.clock.install()  # the page's half-minute poll, run on demand
    alice.goto(url)
    assert alice.locator("#presence .presence-note").count() == 0

    charlie = open_browser(viewport=LAPTOP)
    sign_in(charlie, live_server, cast.supervisor.email)
    charlie.goto(url)
    assert "alice juga sedang membuka aduan ini" in charlie.locator("#presence").inner_text()

    loads: list[str] = []
    alice.on("load", lambda: loads.append(alice.url))
    alice.clock.run_for(31_000)
    here = alice.locator("#presence .presence-note", has_text="charlie juga sedang membuka")
    here.wait_for()
    shot(alice, "staff-presence-someone-else")

    charlie.get_by_role("button", name="Mulai tangani").click()
    charlie.wait_for_url(re.compile(r".*#actions$"))
    alice.clock.run_for(31_000)
    changed = alice.locator("#presence .presence-changed")
    changed.wait_for()
    assert "Aduan ini diubah oleh charlie pukul" in changed.inner_text()
    assert changed.get_by_role("link", name="Muat ulang").is_visible()
    assert loads == [], "the page reloaded by itself"
    shot(alice, "staff-presence-changed")
    check_accessibility(alice, "staff-presence")
    assert alice.csp_blocked == [] and charlie.csp_blocked == []
