"""The routing model's screens in Chromium: suggestions at verification, an automatic routing,
the admin page.

One walk at 1366×768: the admin opens a complaint waiting for verification,
sees the three suggested units with their scores and accepts the first with
one click; opens an SMS complaint the model routed on its own, reads the
system event and finds the move to another unit open; reads the model's
admin page. Then the suggestions and the admin page on a 360 px phone. Each
screen passes axe-core, fits its width, is blocked by no CSP rule and is kept
in test-artifacts/ (routing-*.png). On SQLite only: tests/test_routing.py
covers both databases over HTTP.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from complaints.intake import Contact, submit_complaint
from complaints.routing import training
from tests.browser_helpers import LAPTOP, PHONE, check_screen, sign_in
from tests.conftest import Cast, category
from tests.routing_helpers import write_history

ROADS = "Jalan di Desa Bube rusak parah dan berlubang sejak 3 bulan, mohon segera diperbaiki."


def _web_complaint(number: int) -> str:
    return submit_complaint(
        channel="web",
        category=category("waste"),
        description=ROADS,
        external_id=f"browser-routing-{number}",
    ).complaint.code


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_staff_meet_the_routing_model_on_the_complaint_and_admin_pages(
    live_server: str, open_browser: Any, cast: Cast
) -> None:
    write_history(200)
    assert training.train() is not None
    waiting, waiting_on_phone = _web_complaint(1), _web_complaint(2)
    routed = submit_complaint(
        channel="sms",
        category=category("other"),
        description="jln di desa tanggilingo rusak parah berlubang, tlg diperbaiki",
        contact=Contact(phone="+6281234567001"),
        external_id="browser-routing-sms",
    ).complaint
    assert routed.routed_by == "model"
    auto_code = routed.code

    page = open_browser(viewport=LAPTOP)
    sign_in(page, live_server, cast.admin.email)
    page.goto(f"{live_server}/staff/complaints/{waiting}")
    offers = page.locator(".routing-offers button")
    assert 1 <= offers.count() <= 3
    first = offers.first.inner_text()
    # The visible words; screen readers hear "Verifikasi dan teruskan ke" before them.
    assert re.search(r"\nDinas Pekerjaan Umum dan Penataan Ruang — \d+ %$", first), first
    check_screen(page, "routing-suggestions-laptop")
    offers.first.click()
    page.wait_for_load_state()
    assert "Diverifikasi dan diteruskan ke Dinas Pekerjaan Umum dan Penataan Ruang" in (
        page.locator("main").inner_text()
    )

    page.goto(f"{live_server}/staff/complaints/{auto_code}")
    main = page.locator("main").inner_text()
    assert re.search(
        r"Diteruskan otomatis ke Dinas Pekerjaan Umum dan Penataan Ruang \(keyakinan \d+ %\)",
        main,
    )
    move = page.locator("details.more-action", has_text="Alihkan ke instansi lain")
    assert move.get_attribute("open") is not None
    assert "Model disposisi memilih instansi ini sendiri." in move.inner_text()
    check_screen(page, "routing-auto-routed-laptop")

    page.goto(f"{live_server}/staff/admin/routing")
    text = page.locator("main").inner_text()
    assert "Latih ulang sekarang" in text and "WITA" in text
    check_screen(page, "routing-admin-laptop")

    phone = open_browser(viewport=PHONE)
    sign_in(phone, live_server, cast.admin.email)
    phone.goto(f"{live_server}/staff/complaints/{waiting_on_phone}")
    assert phone.locator(".routing-offers button").count() >= 1
    check_screen(phone, "routing-suggestions-phone")
    phone.goto(f"{live_server}/staff/admin/routing")
    check_screen(phone, "routing-admin-phone")
