"""The staff console in a real browser at a laptop's 1366×768 and a tablet's 768×1024.

The queue, the SLA board and the admin's user list: axe-core finds no
serious or critical problem, nothing scrolls sideways, the queue's table
fits the laptop's width with every code on one line, and an officer
assigns three complaints at once. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from complaints import workflow
from complaints.extensions import db
from complaints.models import Complaint
from complaints.workflow import Actor
from tests.browser_helpers import LAPTOP, TABLET, check_screen, shot, sign_in
from tests.conftest import Cast, MakeComplaint

SIZES = {"laptop": LAPTOP, "tablet": TABLET}
TEXTS = [
    "Jalan di depan SDN 1 Kabila berlubang besar dan tergenang saat hujan deras semalam.",
    "Lampu penerangan jalan di Desa Tupa padam sejak seminggu, warga takut keluar malam.",
    "Sampah menumpuk di pasar Kabila dan belum diangkut selama lima hari berturut-turut.",
    "Saluran air di Jalan Gelatik tersumbat sehingga air meluap ke rumah warga.",
]


@pytest.fixture
def busy_office(
    app: Flask, cast: Cast, make_complaint: MakeComplaint, set_now: Any
) -> list[Complaint]:
    statuses = ["received", "received", "verified", "in_progress", "resolved", "verified"]
    complaints = [
        make_complaint(status=status, description=TEXTS[number % len(TEXTS)])
        for number, status in enumerate(statuses)
    ]
    complaints.append(make_complaint(category_code="waste", channel="counter"))
    workflow.assign_complaint(complaints[3], Actor.staff(cast.supervisor), cast.officer_a)
    workflow.change_priority(complaints[2], Actor.staff(cast.supervisor), "urgent")
    db.session.commit()
    first_due = complaints[0].verify_due_at
    assert first_due is not None
    set_now(first_due + timedelta(hours=2))  # one overdue, the others at risk or in time
    return complaints


# The layout does not depend on the database: SQLite only (the HTTP tests cover both).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("size", ["laptop", "tablet"])
def test_the_console_screens_fit_and_pass_axe(
    app: Flask,
    cast: Cast,
    busy_office: list[Complaint],
    live_server: str,
    open_browser: Any,
    size: str,
) -> None:
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    officer = open_browser(viewport=SIZES[size])
    sign_in(officer, live_server, cast.officer_a.email)
    current = officer.locator("header nav [aria-current=page]")
    assert current.inner_text().strip() == "Antrean"
    check_screen(officer, f"staff-queue-{size}-{database}")
    if size == "laptop":
        table = officer.locator(".queue-table")
        box = officer.locator(".queue-table").evaluate(
            "t => [t.scrollWidth, t.parentElement.clientWidth]"
        )
        assert box[0] <= box[1], f"the queue's table is wider than the screen: {box}"
        heights = table.locator("tbody td:nth-child(2) a").evaluate_all(
            "links => links.map(a => a.getClientRects().length)"
        )
        assert heights and all(lines == 1 for lines in heights), "a code wraps"

    supervisor = open_browser(viewport=SIZES[size])
    sign_in(supervisor, live_server, cast.supervisor.email)
    supervisor.goto(f"{live_server}/staff/sla")
    assert "Tingkat 1" in supervisor.content()
    check_screen(supervisor, f"staff-sla-{size}-{database}")

    admin = open_browser(viewport=SIZES[size])
    sign_in(admin, live_server, cast.admin.email)
    admin.goto(f"{live_server}/staff/admin/users/")
    assert admin.locator("header nav [aria-current=page]").inner_text().strip() == "Administrasi"
    check_screen(admin, f"staff-admin-users-{size}-{database}")


def test_an_officer_assigns_three_complaints_at_once(
    app: Flask,
    cast: Cast,
    busy_office: list[Complaint],
    live_server: str,
    open_browser: Any,
) -> None:
    chosen = [c.code for c in busy_office if c.status in ("verified", "in_progress")][:3]
    assert len(chosen) == 3
    page = open_browser(viewport=LAPTOP)
    sign_in(page, live_server, cast.officer_a.email)
    for code in chosen:
        page.locator(f"#pick-{code}").check()
    page.locator("#bulk-action").select_option(f"assign:{cast.officer_a.id}")
    page.get_by_role("button", name="Terapkan ke yang dicentang").click()
    page.wait_for_load_state()
    notice = page.locator(".alert-success").inner_text()
    assert "Selesai untuk 3 aduan" in notice
    shot(page, "staff-queue-bulk-assigned")
    for code in chosen:
        assert "alice" in page.locator(f"tr:has(#pick-{code})").inner_text()
