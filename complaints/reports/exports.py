"""Report downloads for programs (CSV that streams), the formula guard, and ReportRun.

The CSV keeps a machine shape (README, "Export formats"): the figures are the
JSON report flattened into ``(section, item, key, value)`` rows —
``("totals", "", "completion_rate", 0.5)``, ``("by_unit", "PUPR",
"ikm.value", 88.75)`` — so a program can compare them with the JSON row by
row, and the complaint list has the columns of
:data:`complaints.metrics.COMPLAINT_COLUMNS`, read in batches as it is sent.
The workbooks people read are :mod:`.workbook`'s.

Every text cell of every export passes :func:`formula_safe` first: a
rejection reason, a LAPOR! id or a category name is typed by people (or comes
from an imported file), and a spreadsheet would run one that begins like a
formula (``=HYPERLINK(...)``, ``=cmd|...``) on the officer's computer.
Numbers, booleans and instants are written as themselves.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Engine, Select

from complaints import clock, metrics
from complaints.extensions import db
from complaints.models import ReportRun, User

from . import scope

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
# OWASP's CSV injection rule: a cell that begins with one of these is read as a
# formula by Excel, LibreOffice or Google Sheets (tab and carriage return too:
# some of them drop the leading blank and read on).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def formula_safe(text: str) -> str:
    """Text as an export writes it: a single quote in front when it could start a formula.

    The quote is OWASP's rule for CSV injection: a spreadsheet then shows the
    cell as text and runs nothing. Only text comes here, so the count -3 is
    still written as a number while a LAPOR! id "-3" is written "'-3".
    """
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_text(value: Any, zone: ZoneInfo | None = None) -> str:
    """How a value is written in CSV: empty for None, true/false, local ISO 8601 instants,
    text through :func:`formula_safe`, a list as its items joined by ";" (empty when empty)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(csv_text(item, zone) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(zone or office_zone()).isoformat()
    if isinstance(value, str):
        return formula_safe(value)
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
    writer.writerow([csv_text(name, zone) for name in header])
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


def record_run(
    user: User | None,
    start: date,
    end: date,
    unit_code: str | None,
    output: str,
    *,
    kind: str = "report",
) -> None:
    """Note that a periodic report was generated (indicator 27's evidence); commits.

    ``output`` is the file type (csv, xlsx, json, api, pdf); ``kind`` what was
    made: "report" (the figures) or "skm" (the SKM report).
    """
    unit = scope.unit_by_code(unit_code)
    db.session.add(
        ReportRun(
            generated_at=clock.now(),
            user_id=user.id if user else None,
            period_from=start,
            period_to=end,
            unit_id=unit.id if unit else None,
            format=output,
            kind=kind,
        )
    )
    db.session.commit()
    logger.info("%s %s..%s unit=%s generated as %s", kind, start, end, unit_code, output)
