"""The SKM report as an XLSX workbook: one sheet per table, Indonesian headers, real numbers.

Sheets "Unsur" (the nine elements, the IKM), "Responden" (the profile),
"Tindak lanjut" (the elements to improve and their plans) and "Perbandingan"
(the previous period beside this one). Numbers are numbers with a number
format (a spreadsheet can sum them); words are words, never a code; text
people typed goes through the exports' formula guard.

openpyxl is imported when a workbook is written, not when the app loads
(see :mod:`complaints.reports.workbook`).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from flask_babel import force_locale, gettext

from complaints import labels
from complaints.i18n import local_date, local_time
from complaints.reports.exports import formula_safe

from .skm import SkmReport, as_float, plan_authors
from .skm_document import LOCALE

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.worksheet import Worksheet

INTEGER, DECIMAL, WEIGHTED, PERCENT = "0", "0.00", "0.000", "0.0%"


class Looks(NamedTuple):
    bold: Font
    header_fill: PatternFill
    improve_fill: PatternFill
    wrap: Alignment


@functools.cache
def _looks() -> Looks:
    """The workbook's fonts, fills and alignment, made once, when the first workbook is."""
    from openpyxl.styles import Alignment, Font, PatternFill

    return Looks(
        bold=Font(bold=True),
        header_fill=PatternFill("solid", fgColor="E9ECEF"),
        improve_fill=PatternFill("solid", fgColor="FFF3CD"),
        wrap=Alignment(wrap_text=True, vertical="top"),
    )


def workbook_bytes(report: SkmReport) -> bytes:
    """The workbook of ``report`` (in Indonesian)."""
    from openpyxl import Workbook

    with force_locale(LOCALE):
        book = Workbook()
        first = book.active
        assert first is not None
        book.remove(first)
        _elements_sheet(book, report)
        _respondents_sheet(book, report)
        _plans_sheet(book, report)
        _comparison_sheet(book, report)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _text(value: str) -> str:
    return formula_safe(value)


def _sheet(
    book: Workbook, title: str, report: SkmReport, headers: Sequence[tuple[str, int]]
) -> Worksheet:
    """A sheet with the report's title lines, then a bold header row (frozen below it)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    looks = _looks()
    sheet = book.create_sheet(title)
    period = (
        f"{local_date(report.current.start, 'long')} – {local_date(report.current.end, 'long')}"
    )
    sheet.append([gettext("Community satisfaction survey (SKM) report")])
    sheet.append([_text(report.unit_name)])
    sheet.append([f"{gettext('Period')}: {period}"])
    sheet.append([])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([header for header, _width in headers])
    for column, (_header, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=5, column=column)
        cell.font, cell.fill, cell.alignment = looks.bold, looks.header_fill, looks.wrap
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A6"
    return sheet


def _row(sheet: Worksheet, values: Sequence[Any], formats: Sequence[str | None]) -> int:
    """Append a row; each number cell gets its format. Returns the row's number."""
    sheet.append(list(values))
    row = sheet.max_row
    wrap = _looks().wrap
    for column, number_format in enumerate(formats, start=1):
        cell = sheet.cell(row=row, column=column)
        cell.alignment = wrap
        if number_format is not None:
            cell.number_format = number_format
    return row


def _elements_sheet(book: Workbook, report: SkmReport) -> None:
    sheet = _sheet(
        book,
        "Unsur",
        report,
        [
            (gettext("No."), 6),
            (gettext("Service element"), 40),
            (gettext("Answers"), 12),
            (gettext("Mean score (NRR)"), 14),
            (gettext("Weighted mean (× 1/9)"), 14),
            (gettext("Converted value (× 25)"), 14),
            (gettext("Quality"), 10),
            (gettext("Performance"), 16),
            (gettext("To improve"), 12),
        ],
    )
    formats = [INTEGER, None, INTEGER, DECIMAL, WEIGHTED, DECIMAL, None, None, None]
    for element in report.current.elements:
        row = _row(
            sheet,
            [
                element.number,
                element.label,
                element.answers,
                as_float(element.nrr, 4),
                as_float(element.weighted, 6),
                as_float(element.converted, 2),
                element.grade or "—",
                element.performance or gettext("no answers"),
                labels.yes_no(element.highlighted),
            ],
            formats,
        )
        if element.highlighted:
            for cell in sheet[row]:
                cell.fill = _looks().improve_fill
    index = report.current.index
    sheet.append([])
    _row(sheet, [None, gettext("Respondents"), index.respondents], [None, None, INTEGER])
    value = as_float(index.value, 2)
    _row(
        sheet,
        [None, gettext("Satisfaction index (IKM)"), None, None, None, value, index.grade or "—"],
        [None, None, None, None, None, DECIMAL, None],
    )
    if index.value is None and index.respondents:
        unanswered = ", ".join(report.unanswered_labels)
        sheet.append(
            [None, gettext("No index: nobody answered %(elements)s.", elements=unanswered)]
        )
    sheet.append([])
    sheet.append(
        [None, gettext("Read"), local_time(report.generated_at, "long")],
    )


def _respondents_sheet(book: Workbook, report: SkmReport) -> None:
    sheet = _sheet(
        book,
        "Responden",
        report,
        [
            (gettext("Characteristic"), 24),
            (gettext("Answer"), 34),
            (gettext("Respondents"), 14),
            (gettext("Share"), 12),
        ],
    )
    for table in report.profile:
        for line in table.lines:
            share = float(line.share) if line.share is not None else None
            _row(
                sheet,
                [table.question, line.label, line.count, share],
                [None, None, INTEGER, PERCENT],
            )


def _plans_sheet(book: Workbook, report: SkmReport) -> None:
    sheet = _sheet(
        book,
        "Tindak lanjut",
        report,
        [
            (gettext("Service element"), 36),
            (gettext("Mean score (NRR)"), 14),
            (gettext("Quality"), 10),
            (gettext("Follow-up plan"), 70),
            (gettext("Written by"), 20),
            (gettext("Last changed"), 24),
        ],
    )
    authors = plan_authors(report.plans)
    for element in report.current.elements:
        plan = report.plans.get(element.name)
        if not element.highlighted and plan is None:
            continue
        _row(
            sheet,
            [
                element.label,
                as_float(element.nrr, 4),
                element.grade or "—",
                _text(plan.plan) if plan else gettext("No follow-up plan written yet."),
                labels.person_name(authors.get(plan.updated_by_user_id or 0)) if plan else None,
                local_time(plan.updated_at) if plan else None,
            ],
            [None, DECIMAL, None, None, None, None],
        )


def _comparison_sheet(book: Workbook, report: SkmReport) -> None:
    now, before = report.current, report.previous
    sheet = _sheet(
        book,
        "Perbandingan",
        report,
        [
            (gettext("Mean score (NRR) per service element"), 40),
            (_period_header(gettext("Previous period"), before.start, before.end), 22),
            (_period_header(gettext("This period"), now.start, now.end), 22),
            (gettext("Change"), 12),
        ],
    )
    for element, earlier in zip(now.elements, before.elements, strict=True):
        _row(
            sheet,
            [
                element.label,
                as_float(earlier.nrr, 4),
                as_float(element.nrr, 4),
                _difference(as_float(element.nrr, 4), as_float(earlier.nrr, 4)),
            ],
            [None, DECIMAL, DECIMAL, "+0.00;-0.00;0.00"],
        )
    value_now, value_before = as_float(now.index.value, 2), as_float(before.index.value, 2)
    _row(
        sheet,
        [
            gettext("Satisfaction index (IKM)"),
            value_before,
            value_now,
            _difference(value_now, value_before),
        ],
        [None, DECIMAL, DECIMAL, "+0.00;-0.00;0.00"],
    )
    _row(
        sheet,
        [
            gettext("Respondents"),
            before.respondents,
            now.respondents,
            now.respondents - before.respondents,
        ],
        [None, INTEGER, INTEGER, "+0;-0;0"],
    )


def _period_header(name: str, start: date, end: date) -> str:
    return f"{name} ({local_date(start)} – {local_date(end)})"


def _difference(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return round(now - before, 4)
