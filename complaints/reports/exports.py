"""Report downloads: CSV and XLSX that stream, and the ReportRun each one records.

Figures are the JSON report flattened into ``(section, item, key, value)``
rows — ``("totals", "", "completion_rate", 0.5)``, ``("by_unit", "PUPR",
"ikm.value", 88.75)`` — so a spreadsheet and the JSON can be compared row by
row. The complaint list behind the figures comes from
:func:`complaints.metrics.cohort_rows`, read in batches: neither the CSV
generator nor openpyxl's write-only workbook (which spools rows to a
temporary file) holds more than a batch in memory.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask import current_app
from openpyxl import Workbook
from sqlalchemy import Engine, Select

from complaints import clock, metrics
from complaints.extensions import db
from complaints.models import ReportRun, Unit, User

logger = logging.getLogger(__name__)

FIGURE_COLUMNS = ("section", "item", "key", "value")
# Lists of objects in the report, and the key that names each object's row.
_ITEM_KEYS = {
    "by_unit": "unit",
    "by_category": "category",
    "by_kind": "kind",
    "by_channel_detail": "channel",
    "rejected_by_reason": "reason",
}
_CSV_BATCH = 500


def flatten(report: Mapping[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """Every scalar of the report as (section, item, key, value); nested keys joined by dots."""
    for section, value in report.items():
        if isinstance(value, Mapping):
            for key, scalar in _leaves(value):
                yield section, "", key, scalar
        elif isinstance(value, list):
            name = _ITEM_KEYS.get(section, "")
            for entry in value:
                item = entry.get(name) if name else None
                for key, scalar in _leaves(entry):
                    if key != name:
                        yield section, "" if item is None else str(item), key, scalar
        else:
            yield "report", "", section, value


def _leaves(mapping: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _leaves(value, f"{path}.")
        else:
            yield path, value


def csv_text(value: Any, zone: ZoneInfo | None = None) -> str:
    """How a value is written in CSV: empty for None, true/false, local ISO 8601 instants."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(zone or office_zone()).isoformat()
    return str(value)


def office_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["ADUAN_TIMEZONE"])


def csv_lines(
    header: Iterable[str], rows: Iterable[Iterable[Any]], zone: ZoneInfo
) -> Iterator[str]:
    """CSV text in chunks of a few hundred rows, for a streamed response or a file.

    Needs no application context (the zone is given), so a response can be
    read after the request's context is gone.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, 1):
        writer.writerow([csv_text(value, zone) for value in row])
        if count % _CSV_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def figures_csv(report: Mapping[str, Any], zone: ZoneInfo) -> Iterator[str]:
    return csv_lines(FIGURE_COLUMNS, flatten(report), zone)


def complaints_csv(query: Select[Any], engine: Engine, zone: ZoneInfo) -> Iterator[str]:
    """The complaint list as CSV, read in batches on a connection of its own as it is sent.

    The connection is opened when the first chunk is asked for and closed when
    the last one is sent or the response is abandoned (the generator is closed),
    so an unread response holds nothing.
    """
    with engine.connect() as connection:
        rows = connection.execution_options(yield_per=_CSV_BATCH).execute(query)
        yield from csv_lines(metrics.COMPLAINT_COLUMNS, rows, zone)


def _cell(value: Any) -> Any:
    # Excel has no time zones: instants are written in the office's local time.
    if isinstance(value, datetime):
        return value.astimezone(office_zone()).replace(tzinfo=None)
    return value


def write_xlsx(report: Mapping[str, Any], target: IO[bytes] | Path) -> None:
    """A workbook with the figures and the complaint list, built in write-only mode."""
    start, end = date.fromisoformat(report["from"]), date.fromisoformat(report["to"])
    book = Workbook(write_only=True)
    figures = book.create_sheet("Figures")
    figures.append(list(FIGURE_COLUMNS))
    for row in flatten(report):
        figures.append([_cell(value) for value in row])
    complaints = book.create_sheet("Complaints")
    complaints.append(list(metrics.COMPLAINT_COLUMNS))
    for row in metrics.cohort_rows(start, end, report["unit"]):
        complaints.append([_cell(value) for value in row])
    book.save(target)


def record_run(user: User | None, start: date, end: date, unit_code: str | None, kind: str) -> None:
    """Note that a periodic report was generated (indicator 27's evidence); commits."""
    unit_id = (
        db.session.scalar(db.select(Unit.id).where(Unit.code == unit_code)) if unit_code else None
    )
    db.session.add(
        ReportRun(
            generated_at=clock.now(),
            user_id=user.id if user else None,
            period_from=start,
            period_to=end,
            unit_id=unit_id,
            format=kind,
        )
    )
    db.session.commit()
    logger.info("report %s..%s unit=%s generated as %s", start, end, unit_code, kind)
