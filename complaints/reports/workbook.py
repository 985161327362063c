"""The report and the complaint list as workbooks people read, sort and paste (XLSX).

Named sheets — Ringkasan (the totals and indicators in words), Per instansi,
Per kanal, Per kategori, Aduan (the complaint list) and SKM — with headers in
the reader's language (Indonesian unless the request asks for English; the
CLI chooses with ``--lang``), values in words (status, kind, channel, yes/no),
instants as Excel date-times in the office's local time (Excel has no time
zones; the number format names the zone), days as Excel dates, rates as
numbers formatted as percentages and durations as numbers. Every sheet has a
bold, frozen header row, column widths and an autofilter.

The CSV exports (:mod:`.exports`) keep the machine shape programs read; this
module is for people. openpyxl's write-only workbook spools rows to a
temporary file as they come, and the complaint list is read from the
database in batches of plain rows (never ORM objects), so a year of
complaints costs one batch of memory. Every text cell passes
:func:`.exports.formula_safe`.

openpyxl is imported where a workbook is written, not at the top: it (and
the NumPy it loads when installed) would cost every process that builds the
app about 0.2 s, for a workbook most of them never write.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_locale, gettext
from sqlalchemy import Select, case, select

from complaints import clock, ikm, metrics
from complaints.extensions import db
from complaints.i18n import zone_name
from complaints.labels import channel_label, kind_label, staff_status_label, yes_no
from complaints.models import Category, Channel, Kind, Status, Unit

from .exports import formula_safe

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

logger = logging.getLogger(__name__)

# How a cell is written: its number format (text and section rows have none).
TEXT, SECTION, INTEGER, DECIMAL, WEIGHTED, HOURS, PERCENT, DATE, DATETIME = (
    "text",
    "section",
    "integer",
    "decimal",
    "weighted",
    "hours",
    "percent",
    "date",
    "datetime",
)
NUMBER_FORMATS = {
    INTEGER: "0",
    DECIMAL: "0.00",
    WEIGHTED: "0.000",
    HOURS: "0.0",
    PERCENT: "0.0%",
}
# Sheet names (Indonesian, English): people and their macros look sheets up by name.
SHEETS = {
    "summary": ("Ringkasan", "Summary"),
    "units": ("Per instansi", "By unit"),
    "channels": ("Per kanal", "By channel"),
    "categories": ("Per kategori", "By category"),
    "complaints": ("Aduan", "Complaints"),
    "skm": ("SKM", "SKM"),
}
# Dates with the month's name in the reader's language whatever the spreadsheet
# program's own language ([$-421] is Indonesian, [$-409] US English).
DATE_FORMATS = {"id": "[$-421]d mmm yyyy", "en": "[$-409]mmm d, yyyy"}
TIME_FORMATS = {"id": 'hh"."mm', "en": "h:mm AM/PM"}
BATCH = 500
SECONDS_PER_DAY = 86_400
HEADER_HEIGHT = 48
BANDS = {"at_least_90": "≥ 90 %", "at_least_50": "≥ 50 %", "below_50": "< 50 %"}


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    kind: str = TEXT


@dataclass(frozen=True)
class Style:
    """The reader's language and the office's zone: how dates and instants are written."""

    locale: str
    zone: ZoneInfo
    formats: Mapping[str, str]

    @classmethod
    def current(cls) -> Style:
        locale = "en" if str(get_locale() or "id") == "en" else "id"
        zone = ZoneInfo(current_app.config["ADUAN_TIMEZONE"])
        name = zone_name(clock.now().astimezone(zone), zone.key)
        formats = {
            **NUMBER_FORMATS,
            DATE: DATE_FORMATS[locale],
            DATETIME: f'{DATE_FORMATS[locale]} {TIME_FORMATS[locale]} "{name}"',
        }
        return cls(locale, zone, formats)

    def sheet_name(self, key: str) -> str:
        indonesian, english = SHEETS[key]
        return english if self.locale == "en" else indonesian


class Sheet:
    """One write-only sheet: a bold, frozen header row, widths, an autofilter over its rows."""

    def __init__(self, book: Workbook, key: str, columns: Sequence[Column], style: Style) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet._write_only import WriteOnlyWorksheet

        sheet = book.create_sheet(style.sheet_name(key))
        assert isinstance(sheet, WriteOnlyWorksheet)
        self.sheet, self.columns, self.style = sheet, columns, style
        # Bound once per sheet, not imported per cell: a year's list has many cells.
        self.cell_type: type[WriteOnlyCell] = WriteOnlyCell
        self.illegal_characters: re.Pattern[str] = ILLEGAL_CHARACTERS_RE
        self.bold = Font(bold=True)
        self.kinds = [column.kind for column in columns]
        # Widths and the header's height must be set before the first row is written.
        for index, column in enumerate(columns, 1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.row_dimensions[1].height = HEADER_HEIGHT
        sheet.freeze_panes = "B2"  # the header row and the first column stay in view
        header, wrapped = [], Alignment(wrap_text=True, vertical="top")
        for column in columns:
            cell = self._text(column.header)
            cell.font, cell.alignment = self.bold, wrapped
            header.append(cell)
        sheet.append(header)
        self.rows = 1
        self.filtered_rows = 1

    def append(self, values: Sequence[Any], kinds: Sequence[str] | None = None) -> None:
        kinds = kinds or self.kinds
        self.sheet.append(
            [self._cell(value, kind) for value, kind in zip(values, kinds, strict=False)]
        )
        self.rows += 1

    def end_of_table(self) -> None:
        """Rows from here on (notes below the table) stay outside the autofilter."""
        self.filtered_rows = self.rows

    def close(self) -> None:
        from openpyxl.utils import get_column_letter

        if self.filtered_rows == 1:
            self.filtered_rows = self.rows
        last = get_column_letter(len(self.columns))
        self.sheet.auto_filter.ref = f"A1:{last}{self.filtered_rows}"

    def _text(self, value: str) -> WriteOnlyCell:
        # Characters XML cannot hold (control characters) would make openpyxl refuse
        # the whole workbook: dropped.
        clean = formula_safe(self.illegal_characters.sub("", value))
        cell = self.cell_type(self.sheet, clean)
        cell.data_type = "s"  # openpyxl reads a text that begins with "=" as a formula
        return cell

    def _cell(self, value: Any, kind: str) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            if kind == SECTION:
                cell = self._text(value)
                cell.font = self.bold
                return cell
            # A plain text after formula_safe never begins with "=", so openpyxl writes
            # it as a string cell; no cell object of our own (a year has many rows).
            return formula_safe(self.illegal_characters.sub("", value))
        if isinstance(value, datetime):
            # Excel has no time zones: instants are written in the office's local time.
            # Seconds and below are dropped: the format shows minutes.
            value = value.astimezone(self.style.zone).replace(tzinfo=None, second=0, microsecond=0)
        cell = self.cell_type(self.sheet, value)
        number_format = self.style.formats.get(kind)
        if number_format:
            cell.number_format = number_format
        return cell


# --- the report's workbook ---------------------------------------------------------------


def write_report(report: Mapping[str, Any], target: IO[bytes] | Path) -> None:
    """The report's workbook: summary, the three breakdowns, the complaints and the SKM."""
    from openpyxl import Workbook

    style = Style.current()
    book = Workbook(write_only=True)
    _summary_sheet(book, report, style)
    min_count = int(report["min_count"])
    units = Sheet(book, "units", _unit_columns(min_count), style)
    for row in report["by_unit"]:
        name = row["unit_name"] or gettext("No unit")
        ikm_figures = row["ikm"]
        units.append(
            [
                *_breakdown_values(name, row),
                row["backlog"],
                ikm_figures["value"],
                _grade(ikm_figures, style),
                ikm_figures["respondents"],
            ]
        )
    units.close()
    columns = _breakdown_columns(gettext("Channel"), min_count)
    channels = Sheet(book, "channels", columns, style)
    for row in report["by_channel_detail"]:
        channels.append(_breakdown_values(channel_label(row["channel"]), row))
    channels.close()
    _category_sheet(book, report, style)
    _complaint_sheet(book, report, style)
    _skm_sheet(book, report["ikm"], style)
    book.save(target)


def write_complaints(
    start: date, end: date, unit_code: str | None, target: IO[bytes] | Path
) -> None:
    """The complaint list alone, as the report's "Aduan" sheet."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    period = {"from": start.isoformat(), "to": end.isoformat(), "unit": unit_code}
    _complaint_sheet(book, period, Style.current())
    book.save(target)


def _summary_sheet(book: Workbook, report: Mapping[str, Any], style: Style) -> None:
    columns = [Column(gettext("Item"), 62), Column(gettext("Value"), 26)]
    sheet = Sheet(book, "summary", columns, style)
    for label, value, kind in summary_rows(report, style):
        sheet.append([label, value], [SECTION if kind == SECTION else TEXT, kind])
    sheet.close()


def summary_rows(report: Mapping[str, Any], style: Style) -> Iterator[tuple[str, Any, str]]:
    """(label, value, kind) of the summary: the period, the totals, indicator 28, IKM."""
    totals = report["totals"]
    spent = totals["durations"]
    yield gettext("Period from"), date.fromisoformat(report["from"]), DATE
    yield gettext("Period to"), date.fromisoformat(report["to"]), DATE
    yield gettext("Unit"), report["unit_name"] or gettext("Whole regency"), TEXT
    yield gettext("Figures as of"), datetime.fromisoformat(report["as_of"]), DATETIME
    yield gettext("Complaints received"), totals["received"], INTEGER
    yield gettext("Rejected"), totals["rejected"], INTEGER
    yield gettext("Merged into another complaint"), totals["merged"], INTEGER
    yield gettext("To handle (received, not rejected or merged)"), totals["actionable"], INTEGER
    yield gettext("Completed"), totals["completed"], INTEGER
    yield gettext("Completion rate"), totals["completion_rate"], PERCENT
    yield gettext("Completed on time"), totals["completed_on_time"], INTEGER
    yield gettext("On-time share of the completed"), totals["on_time_rate"], PERCENT
    yield gettext("Checked on time"), totals["check_on_time_rate"], PERCENT
    yield gettext("First response on time"), totals["response_on_time_rate"], PERCENT
    yield gettext("Overdue now"), totals["overdue"], INTEGER
    yield gettext("Reopened by the citizen"), totals["reopened"], INTEGER
    yield gettext("Confirmed by the citizen"), totals["confirmed"], INTEGER
    yield gettext("Disputed by the citizen"), totals["disputed"], INTEGER
    yield gettext("Closed without the citizen's answer"), totals["auto_closed"], INTEGER
    yield gettext("Median working hours to check"), spent["check"]["median_working_hours"], HOURS
    yield (
        gettext("Median working hours to first response"),
        spent["response"]["median_working_hours"],
        HOURS,
    )
    yield (
        gettext("Median working hours to resolve"),
        spent["resolve"]["median_working_hours"],
        HOURS,
    )
    yield gettext("Mean working hours to resolve"), spent["resolve"]["mean_working_hours"], HOURS
    yield gettext("Backlog at the end of the period"), report["backlog"]["total"], INTEGER
    yield gettext("Escalations"), report["escalations"]["total"], INTEGER
    yield from _indicator_rows(report, style)
    rejections = report.get("rejected_by_reason") or []
    if rejections:
        yield gettext("Rejected, by reason"), None, SECTION
        for rejection in rejections:
            yield rejection["reason"], rejection["count"], INTEGER


def _indicator_rows(report: Mapping[str, Any], style: Style) -> Iterator[tuple[str, Any, str]]:
    follow_up = report["indicator_28"]
    yield gettext("Indicator 28: follow-up of complaints"), None, SECTION
    yield gettext("Via SP4N-LAPOR!: to handle"), follow_up["received_lapor"], INTEGER
    yield gettext("Via SP4N-LAPOR!: completed"), follow_up["completed_lapor"], INTEGER
    yield gettext("Via SP4N-LAPOR!: completion rate"), follow_up["rate_lapor"], PERCENT
    yield gettext("Other channels: to handle"), follow_up["received"], INTEGER
    yield gettext("Other channels: completed"), follow_up["completed"], INTEGER
    yield gettext("Other channels: completion rate"), follow_up["rate"], PERCENT
    yield gettext("All channels: completion rate"), follow_up["rate_all"], PERCENT
    yield gettext("Band reached"), BANDS.get(follow_up["score"] or "", "—"), TEXT
    steps = report["indicator_27"]
    yield gettext("Indicator 27: accountability"), None, SECTION
    for key, label in (
        ("archived", gettext("Documented and archived")),
        ("reported", gettext("Put into periodic reports")),
        ("monitored", gettext("Monitored and evaluated")),
        ("followed_up", gettext("Followed up")),
        ("published", gettext("Published")),
    ):
        yield label, yes_no(bool(steps.get(key, {}).get("done"))), TEXT
    satisfaction = report["ikm"]
    yield gettext("Satisfaction index (IKM)"), None, SECTION
    yield gettext("IKM (25 to 100)"), satisfaction["value"], DECIMAL
    yield gettext("Grade"), _grade(satisfaction, style) or "—", TEXT
    yield gettext("Respondents"), satisfaction["respondents"], INTEGER


def _grade(satisfaction: Mapping[str, Any], style: Style) -> str | None:
    """ "A (Sangat Baik)"; the regulation's name in Indonesian, its translation in English."""
    letter = satisfaction.get("grade")
    if not letter:
        return None
    name = satisfaction.get("grade_name") if style.locale == "id" else None
    return f"{letter} ({name or ikm.grade_label(letter)})"


def _breakdown_columns(name_header: str, min_count: int) -> list[Column]:
    return [
        Column(name_header, 40),
        Column(gettext("Received"), 11, INTEGER),
        Column(gettext("To handle"), 11, INTEGER),
        Column(gettext("Completed"), 11, INTEGER),
        Column(gettext("Completion rate"), 13, PERCENT),
        Column(gettext("Completed on time"), 13, INTEGER),
        Column(gettext("On-time share of the completed"), 15, PERCENT),
        Column(gettext("Overdue now"), 12, INTEGER),
        Column(gettext("Median working hours to check"), 15, HOURS),
        Column(gettext("Median working hours to first response"), 15, HOURS),
        Column(gettext("Median working hours to resolve"), 15, HOURS),
        Column(gettext("Mean working hours to resolve"), 15, HOURS),
        Column(gettext("90th percentile of working hours to resolve"), 15, HOURS),
        Column(gettext("Fewer than %(count)d complaints", count=min_count), 14),
    ]


def _unit_columns(min_count: int) -> list[Column]:
    return [
        *_breakdown_columns(gettext("Unit"), min_count),
        Column(gettext("Backlog at the end of the period"), 14, INTEGER),
        Column(gettext("IKM (25 to 100)"), 11, DECIMAL),
        Column(gettext("Grade"), 18),
        Column(gettext("Respondents"), 12, INTEGER),
    ]


def _breakdown_values(name: str, row: Mapping[str, Any]) -> list[Any]:
    spent = row["durations"]
    return [
        name,
        row["received"],
        row["actionable"],
        row["completed"],
        row["completion_rate"],
        row["completed_on_time"],
        row["on_time_rate"],
        row["overdue"],
        spent["check"]["median_working_hours"],
        spent["response"]["median_working_hours"],
        spent["resolve"]["median_working_hours"],
        spent["resolve"]["mean_working_hours"],
        spent["resolve"]["p90_working_hours"],
        yes_no(bool(row["low_count"])),
    ]


def _category_sheet(book: Workbook, report: Mapping[str, Any], style: Style) -> None:
    english = {
        code: name for code, name in db.session.execute(select(Category.code, Category.name_en))
    }
    columns = _breakdown_columns(gettext("Category"), int(report["min_count"]))
    sheet = Sheet(book, "categories", columns, style)
    for row in report["by_category"]:
        name = row["category_name"]
        if style.locale == "en":
            name = english.get(row["category"]) or name
        sheet.append(_breakdown_values(name, row))
    sheet.close()


def _skm_sheet(book: Workbook, satisfaction: Mapping[str, Any], style: Style) -> None:
    """Each of the nine elements' mean (NRR), weighted and converted, then the IKM."""
    columns = [
        Column(gettext("Service element"), 48),
        Column(gettext("Answers"), 11, INTEGER),
        Column(gettext("Mean score (1 to 4)"), 14, DECIMAL),
        Column(gettext("Weighted mean (× 1/9)"), 14, WEIGHTED),
        Column(gettext("Converted (× 25)"), 14, DECIMAL),
    ]
    sheet = Sheet(book, "skm", columns, style)
    means = satisfaction.get("elements") or {}
    # Figures from before questions could be skipped carry no counts: all answered.
    answers = satisfaction.get("answers") or {}
    for name, label in ikm.ELEMENTS:
        mean = means.get(name)
        if not isinstance(mean, int | float):
            mean = None
        count = answers.get(name, satisfaction["respondents"])
        weighted = mean / len(ikm.ELEMENTS) if mean is not None else None
        converted = mean * ikm.SCALE if mean is not None else None
        sheet.append([str(label), count, mean, weighted, converted])
    sheet.end_of_table()
    sheet.append([gettext("IKM (25 to 100)"), None, None, None, satisfaction["value"]])
    sheet.append([gettext("Grade"), _grade(satisfaction, style) or "—"], [TEXT, TEXT])
    sheet.append([gettext("Respondents"), satisfaction["respondents"]], [TEXT, INTEGER])
    sheet.close()


# --- the complaint list -------------------------------------------------------------------


def _complaint_columns() -> list[Column]:
    return [
        Column(gettext("Code"), 17),
        Column(gettext("Received"), 22, DATETIME),
        Column(gettext("Unit"), 34),
        Column(gettext("Category"), 30),
        Column(gettext("Kind"), 18),
        Column(gettext("Channel"), 20),
        Column(gettext("LAPOR! id"), 14),
        Column(gettext("Status"), 30),
        Column(gettext("Checked"), 22, DATETIME),
        Column(gettext("First response"), 22, DATETIME),
        Column(gettext("Resolved"), 22, DATETIME),
        Column(gettext("Resolution due"), 22, DATETIME),
        Column(gettext("Days to resolve"), 11, HOURS),
        Column(gettext("Working hours to resolve"), 12, HOURS),
        Column(gettext("Completed"), 12),
        Column(gettext("Completed on time"), 12),
        Column(gettext("Overdue now"), 12),
        Column(gettext("Times reopened"), 11, INTEGER),
        Column(gettext("Confirmed by the citizen"), 13),
    ]


def complaint_query(start: date, end: date, unit_code: str | None, now: datetime) -> Select[Any]:
    """The report's complaint list with the names a person reads and whether each is overdue."""
    return metrics.cohort_query(start, end, unit_code).add_columns(
        Category.name_id,
        Category.name_en,
        Unit.name,
        case((metrics.overdue_at(now), True), else_=False),
    )


@dataclass(frozen=True)
class Words:
    """The complaint list's words, translated once per sheet rather than once per cell."""

    kinds: Mapping[str, str]
    channels: Mapping[str, str]
    statuses: Mapping[str, str]
    answers: Mapping[bool | None, str]
    no_unit: str
    english: bool

    @classmethod
    def current(cls, style: Style) -> Words:
        return cls(
            kinds={kind.value: kind_label(kind.value) for kind in Kind},
            channels={channel.value: channel_label(channel.value) for channel in Channel},
            statuses={status.value: staff_status_label(status.value) for status in Status},
            answers={True: yes_no(True), False: yes_no(False), None: yes_no(None)},
            no_unit=gettext("No unit"),
            english=style.locale == "en",
        )


def complaint_values(row: Sequence[Any], words: Words) -> list[Any]:
    """One row of :func:`complaint_query` as the "Aduan" sheet shows it."""
    found = dict(zip(metrics.COMPLAINT_COLUMNS, row, strict=False))
    name_id, name_en, unit_name, overdue = row[len(metrics.COMPLAINT_COLUMNS) :]
    completed = bool(found["completed"])
    received, resolved = found["received_at"], found["resolved_at"]
    days = (
        round((resolved - received).total_seconds() / SECONDS_PER_DAY, 1)
        if completed and resolved is not None
        else None
    )
    answers = words.answers
    return [
        found["code"],
        received,
        unit_name or words.no_unit,
        (name_en if words.english else name_id) or name_id,
        words.kinds.get(found["kind"]) or kind_label(found["kind"]),
        words.channels.get(found["channel"]) or channel_label(found["channel"]),
        found["lapor_id"],
        words.statuses.get(found["status"]) or staff_status_label(found["status"]),
        found["checked_at"],
        found["first_response_at"],
        resolved,
        found["resolve_due_at"],
        days,
        found["resolve_working_hours"],
        answers[completed],
        answers[bool(found["completed_on_time"]) if completed else None],
        answers[bool(overdue)],
        found["reopened_count"],
        answers[found["citizen_confirmed"]],
    ]


def _complaint_sheet(book: Workbook, report: Mapping[str, Any], style: Style) -> None:
    sheet = Sheet(book, "complaints", _complaint_columns(), style)
    start, end = date.fromisoformat(report["from"]), date.fromisoformat(report["to"])
    query = complaint_query(start, end, report["unit"], clock.now())
    words = Words.current(style)
    for row in _batched(query):
        sheet.append(complaint_values(row, words))
    sheet.close()


def _batched(query: Select[Any]) -> Iterable[Sequence[Any]]:
    # Plain rows, fetched BATCH at a time: memory does not grow with the period.
    yield from db.session.execute(query.execution_options(yield_per=BATCH))
