"""The admin's account and letterhead screens in Chromium (issue 19 item 5).

One walk through their states: an admin invites a new officer at 1366×768 (the
password field hides while an invitation is chosen; the link page's Copy button
appears with JavaScript), the officer accepts on a 360 px phone and lands in the
console, sets up two-step sign-in with the QR code, and the admin fills in the
letterhead with a logo. Each screen passes axe-core, fits its width and is kept
in test-artifacts/. On SQLite only: the HTTP tests cover both databases.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image

from tests.browser_helpers import LAPTOP, PHONE, check_screen, sign_in
from tests.conftest import Cast

OWN = "pilihan-saya-456"


def _submit(page: Any) -> None:
    page.locator("main form input[type=submit], main form button[type=submit]").last.click()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_admin_invites_an_officer_and_sets_the_letterhead(
    live_server: str, open_browser: Any, cast: Cast
) -> None:
    admin = open_browser(viewport=LAPTOP)
    admin.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(admin, live_server, cast.admin.email)

    # A new user: an invitation is the first choice, and needs no password typed.
    admin.goto(f"{live_server}/staff/admin/users/new")
    assert admin.locator("#password").is_hidden()
    admin.locator("label", has_text="Tetapkan kata sandi sementara").click()
    assert admin.locator("#password").is_visible()
    admin.locator("label", has_text="Kirim tautan undangan").click()
    assert admin.locator("#password").is_hidden()
    admin.locator("#email").fill("nurul@bonebolangokab.go.id")
    admin.locator("#name").fill("Nurul Hasan")
    admin.locator("#unit").select_option(label="Dinas Pekerjaan Umum dan Penataan Ruang")
    check_screen(admin, "admin-user-new")
    _submit(admin)
    link = admin.locator("#invitation-link").inner_text().strip()
    assert "/staff/invitation/" in link
    admin.get_by_role("button", name="Salin tautan").click()
    admin.get_by_text("Tautan sudah disalin.").wait_for()
    assert admin.evaluate("navigator.clipboard.readText()") == link
    # Off the button: its hover colours fade in over 0.15 s, and axe must read the page at rest.
    admin.mouse.move(0, 0)
    admin.evaluate("document.activeElement.blur()")
    admin.wait_for_timeout(300)
    check_screen(admin, "admin-invitation-link")
    admin.goto(f"{live_server}/staff/admin/users/")
    assert "Undangan belum dipakai (berlaku sampai" in admin.locator("main").inner_text()

    # The officer, on a phone: greeted by name, chooses a password, is in the console.
    officer = open_browser(viewport=PHONE)
    officer.goto(link)
    assert "Selamat datang, Nurul Hasan" in officer.locator("h1").inner_text()
    check_screen(officer, "staff-invitation")
    officer.locator("#new").fill(OWN)
    officer.locator("#repeat").fill(OWN)
    _submit(officer)
    officer.wait_for_url(re.compile(r".*/staff/complaints$"))
    officer.goto(link)
    assert "tidak berlaku" in officer.locator("h1").inner_text()

    # Two-step set-up: the QR code beside the key, on the phone's screen.
    officer.goto(f"{live_server}/staff/profile/two-step")
    qr = officer.locator("#totp-qr svg")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 150
    check_screen(officer, "staff-two-step-qr")

    # The letterhead, with a logo; the preview shows it as printed.
    admin.goto(f"{live_server}/staff/admin/letterhead")
    admin.locator("#office_name").fill("DINAS KOMUNIKASI, INFORMATIKA DAN PERSANDIAN")
    admin.locator("#address").fill("Jl. Ahmad Nadjamuddin, Suwawa 96183")
    admin.locator("#phone").fill("(0435) 881234")
    admin.locator("#signer_name").fill("Drs. Andi Hasan, M.Si.")
    admin.locator("#signer_nip").fill("19750312 200003 1 004")
    admin.locator("#signer_position").fill("Kepala Dinas")
    logo = io.BytesIO()
    Image.new("RGB", (400, 400), (20, 90, 160)).save(logo, "PNG")
    admin.locator("#logo").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": logo.getvalue()}]
    )
    _submit(admin)
    admin.get_by_text("Tersimpan.").wait_for()
    assert admin.locator(".letterhead-preview img").count() == 1
    assert "19750312 200003 1 004" in admin.locator(".letterhead-preview").inner_text()
    check_screen(admin, "admin-letterhead")
    admin.set_viewport_size(PHONE)
    check_screen(admin, "admin-letterhead-phone")
    admin.locator("#signer_nip").fill("1975")
    _submit(admin)
    assert "NIP terdiri dari 18 angka" in admin.locator("#error-summary").inner_text()
    check_screen(admin, "admin-letterhead-error")
    assert admin.csp_blocked == [] and officer.csp_blocked == []
