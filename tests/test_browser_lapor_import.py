"""The SP4N-LAPOR! import page in Chromium at 1366×768: empty, a preview, the import done.

An admin chooses the export, ticks history and previews: the dry run's summary,
the units not found, the first rows in words and the bad row are shown and
nothing is imported; choosing the file again and pressing Impor imports it.
Each state passes axe-core, fits the screen and is kept in test-artifacts/. On
SQLite only: tests/test_lapor_import.py covers both databases over HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Complaint
from tests.browser_helpers import LAPTOP, check_screen, sign_in
from tests.conftest import Cast
from tests.test_lapor_import import BAD_ROW, BPBD, export_xlsx


def _complaints() -> int:
    db.session.rollback()  # see what the server committed
    return int(db.session.scalar(select(func.count()).select_from(Complaint)) or 0)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_admin_previews_then_imports_a_lapor_export(
    live_server: str, open_browser: Any, cast: Cast, tmp_path: Path
) -> None:
    export = tmp_path / "laporan-lapor.xlsx"
    export.write_bytes(export_xlsx())
    page = open_browser(viewport=LAPTOP)
    sign_in(page, live_server, cast.admin.email)

    page.goto(f"{live_server}/staff/intake/lapor-import")
    assert page.locator("h1").inner_text() == "Impor dari SP4N-LAPOR!"
    check_screen(page, "lapor-import")

    page.locator("#file").set_input_files(str(export))
    page.get_by_label("Ini laporan lama (riwayat)").check()
    page.get_by_role("button", name="Pratinjau").click()
    main = page.locator("main")
    main.get_by_text("Pratinjau: belum ada yang diimpor").wait_for()
    text = main.inner_text()
    assert "7 baris dibaca: 5 akan diimpor, 1 sudah ada, 1 tidak dapat diimpor." in text
    assert BPBD in text and "Dinas Pekerjaan Umum dan Penataan Ruang" in text
    assert "18 Jan 2024 15.05 WITA\tanonim, rahasia" in text and "\tSelesai\t" in text
    assert "sudah diimpor" in text and "31 Feb 2024" in text
    assert page.locator("table").last.locator("td").first.inner_text() == str(BAD_ROW)
    check_screen(page, "lapor-import-preview")
    assert _complaints() == 0

    page.locator("#file").set_input_files(str(export))
    page.get_by_label("Ini laporan lama (riwayat)").check()
    page.get_by_role("button", name="Impor", exact=True).click()
    main.get_by_text("Impor selesai").wait_for()
    assert "5 diimpor, 1 sudah ada, 1 tidak diimpor" in main.inner_text()
    check_screen(page, "lapor-import-done")
    assert _complaints() == 5
    assert page.csp_blocked == []
