"""Exports people can paste (XLSX in words, real dates, numbers), CSV for programs, /stats charts.

The workbook is read back with openpyxl as a spreadsheet program would read
it: named sheets, headers in the reader's language, a percentage that is a
number shown as a percentage, an instant that is a date-time in WITA, a
status in words. The CSV's columns are the contract the README documents.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from complaints.models import Complaint
from tests.conftest import Cast, MakeComplaint
from tests.staff_helpers import signed_in
from tests.test_staff_no_raw_values import codes, office, raw_values  # noqa: F401 -- a fixture

PERIOD = "from=2026-01-01&to=2026-12-31"
SHEETS_ID = ["Ringkasan", "Per instansi", "Per kanal", "Per kategori", "Aduan", "SKM"]
SHEETS_EN = ["Summary", "By unit", "By channel", "By category", "Complaints", "SKM"]
# The CSV complaint list's columns, as the README documents them for programs.
COMPLAINT_CSV_COLUMNS = (
    "code,received_at,channel,lapor_id,kind,category,unit,status,checked_at,"
    "first_response_at,resolved_at,resolve_due_at,completed,completed_on_time,"
    "reopened_count,citizen_confirmed,check_working_hours,response_working_hours,"
    "resolve_working_hours"
)


@pytest.fixture
def handled(make_complaint: MakeComplaint) -> dict[str, Complaint]:
    return {
        "closed": make_complaint(status="closed", category_code="road-damage"),
        "in_progress": make_complaint(
            status="in_progress", category_code="road-damage", channel="lapor", lapor_id="LPR-9"
        ),
        "rejected": make_complaint(status="rejected", category_code="road-damage"),
        "resolved": make_complaint(status="resolved", category_code="waste"),
    }


def _rows(sheet: Worksheet) -> dict[str, list]:
    """The sheet's cells by the first column's text."""
    return {row[0].value: list(row) for row in sheet.iter_rows(min_row=2) if row[0].value}


def _headers(sheet: Worksheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def test_the_workbook_reads_in_words_with_real_dates_and_numbers(
    app: Flask, cast: Cast, handled: dict[str, Complaint]
) -> None:
    client = signed_in(app, cast.admin.email)
    response = client.get(f"/staff/reports/report.xlsx?{PERIOD}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == SHEETS_ID
    for sheet in book.worksheets:
        assert sheet["A1"].font.bold and sheet.freeze_panes == "B2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert sheet.column_dimensions["A"].width >= 17, sheet.title

    summary = _rows(book["Ringkasan"])
    assert _headers(book["Ringkasan"]) == ["Uraian", "Nilai"]
    start = summary["Periode dari"][1]
    assert start.is_date and start.value == datetime(2026, 1, 1)
    assert summary["Laporan diterima"][1].value == 4
    rate = summary["Tingkat penyelesaian"][1]  # 2 of the 3 not rejected
    assert isinstance(rate.value, float) and rate.value == pytest.approx(0.6667)
    assert rate.number_format == "0.0%"
    assert summary["Instansi"][1].value == "Seluruh kabupaten"

    listed = book["Aduan"]
    assert _headers(listed)[:8] == [
        "Kode", "Diterima", "Instansi", "Kategori", "Jenis", "Kanal", "LAPOR! id", "Status",
    ]  # fmt: skip
    rows = _rows(listed)
    assert len(rows) == 4
    lapor = rows[handled["in_progress"].code]
    received = lapor[1]
    local = handled["in_progress"].created_at.astimezone(ZoneInfo("Asia/Makassar"))
    assert received.is_date and received.value == local.replace(
        tzinfo=None, second=0, microsecond=0
    )
    assert "WITA" in received.number_format
    assert [cell.value for cell in lapor[2:8]] == [
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        "Jalan dan jembatan rusak",
        "Pengaduan",
        "SP4N-LAPOR!",
        "LPR-9",
        "Sedang ditangani",
    ]
    closed = rows[handled["closed"].code]
    assert closed[7].value == "Selesai" and closed[14].value == "Ya"
    assert isinstance(closed[12].value, int | float)  # days to resolve, a number

    units = _rows(book["Per instansi"])
    assert _headers(book["Per instansi"])[:4] == [
        "Instansi",
        "Diterima",
        "Perlu ditangani",
        "Tuntas",
    ]
    assert units["Dinas Pekerjaan Umum dan Penataan Ruang"][1].value == 3
    assert "SP4N-LAPOR!" in _rows(book["Per kanal"])
    assert "Jalan dan jembatan rusak" in _rows(book["Per kategori"])
    assert "Persyaratan" in _rows(book["SKM"])

    english = load_workbook(
        io.BytesIO(client.get(f"/staff/reports/report.xlsx?{PERIOD}&lang=en").data)
    )
    assert english.sheetnames == SHEETS_EN
    assert _headers(english["Complaints"])[:2] == ["Code", "Received"]
    assert _rows(english["Complaints"])[handled["in_progress"].code][7].value == "Being handled"
    assert "Completion rate" in _rows(english["Summary"])


def test_the_complaint_list_as_xlsx_and_the_csv_columns_for_programs(
    app: Flask, cast: Cast, handled: dict[str, Complaint]
) -> None:
    client = signed_in(app, cast.supervisor.email)  # unit A: PUPR, three of the four
    response = client.get(f"/staff/reports/complaints.xlsx?{PERIOD}")
    assert response.status_code == 200
    assert "complaints.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Aduan"]
    assert set(_rows(book["Aduan"])) == {
        handled[status].code for status in ("closed", "in_progress", "rejected")
    }
    assert _rows(book["Aduan"])[handled["rejected"].code][7].value == "Ditolak"

    listed = client.get(f"/staff/reports/complaints.csv?{PERIOD}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(listed)))
    assert ",".join(rows[0]) == COMPLAINT_CSV_COLUMNS
    assert {row[7] for row in rows[1:]} == {"closed", "in_progress", "rejected"}
    figures = client.get(f"/staff/reports/figures.csv?{PERIOD}").get_data(as_text=True)
    assert figures.startswith("section,item,key,value\r\n")
    assert "totals,,completion_rate,0.5\r\n" in figures  # one of PUPR's two to handle

    dashboard = client.get(f"/staff/reports?{PERIOD}").get_data(as_text=True)
    assert "/staff/reports/complaints.xlsx?" in dashboard and 'href="/stats"' in dashboard
    assert "1 Jan 2026" in dashboard and "31 Des 2026" in dashboard


def test_stats_draws_charts_and_speaks_as_the_office(
    app: Flask, client: object, make_complaint: MakeComplaint
) -> None:
    make_complaint(status="resolved", category_code="waste")
    make_complaint(status="verified", category_code="road-damage")
    html = app.test_client().get("/stats").get_data(as_text=True)
    assert html.count("<svg") >= 2
    assert "Aduan diterima dan tuntas per bulan" in html and "November 2026" in html
    assert "Dinas Lingkungan Hidup: diterima 1" in html  # a bar's title, the unit in full
    assert "Menunggu konfirmasi warga" in html and "konfirmasi Anda" not in html
    assert "25 Nov 2026" in html and "WITA" in html
    # Years from the first complaint on.
    assert '<option value="2026"' in html and '<option value="2025"' not in html


@pytest.mark.usefixtures("office")
def test_report_pages_and_workbooks_show_no_raw_value(app: Flask, cast: Cast) -> None:
    """The raw-value check of the staff pages, on the reports dashboard, /stats and the workbook."""
    category_codes, unit_codes = codes(app)
    client = signed_in(app, cast.admin.email)
    problems = []
    for locale in ("id", "en"):
        # /stats first: the dashboard's indicator 27 then says when it was published.
        for url in ("/stats?year=2026", f"/staff/reports?{PERIOD}"):
            page = client.get(f"{url}&lang={locale}").get_data(as_text=True)
            problems += [
                f"{url} {found}" for found in raw_values(page, locale, category_codes, unit_codes)
            ]
        if locale == "en":
            assert re.search(r"first served \w{3} \d{1,2}, 2026 [\d:]+\s[AP]M WITA", page), (
                "publication times"
            )
        book = load_workbook(
            io.BytesIO(client.get(f"/staff/reports/report.xlsx?{PERIOD}&lang={locale}").data)
        )
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                cells = "".join(
                    f"<p>{cell.value}</p>" for cell in row if isinstance(cell.value, str)
                )
                problems += [
                    f"{sheet.title} {found}"
                    for found in raw_values(cells, locale, category_codes, unit_codes)
                ]
    assert not problems, "\n".join(problems)
