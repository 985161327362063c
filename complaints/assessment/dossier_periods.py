"""The periods a dossier covers: a month, a quarter, a semester, a year, or any days.

The assessors ask for the figures of a calendar period; the form offers the
named ones as choices (keys such as ``2026-12``, ``2026-Q4``, ``2026-S2``,
``2026``) and any other run of days as ``custom`` with its own dates. Each
period has the name printed on the dossier ("Triwulan IV 2026").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date, gettext

from complaints.errors import ValidationFailed

CUSTOM = "custom"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_KEY = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})|-Q(?P<quarter>[1-4])|-S(?P<half>[12]))?$")


@dataclass(frozen=True)
class DossierPeriod:
    """Local days ``start``..``end`` (inclusive), the form's key and the printed name."""

    key: str
    start: date
    end: date
    name: str


def roman(number: int) -> str:
    """1..12 in Roman numerals, as Indonesian document numbers write the month."""
    return ROMAN[number - 1]


def _months(year: int, first: int, last: int) -> tuple[date, date]:
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def _quarter(year: int, quarter: int) -> tuple[date, date]:
    return _months(year, quarter * 3 - 2, quarter * 3)


def quarter_number(day: date) -> int:
    """The calendar quarter (1..4) holding ``day``."""
    return (day.month - 1) // 3 + 1


def quarter_of(day: date) -> tuple[date, date]:
    """The first and last day of the calendar quarter holding ``day``."""
    return _quarter(day.year, quarter_number(day))


def named_period(key: str) -> DossierPeriod:
    """The period of a key (``2026-12``, ``2026-Q4``, ``2026-S2``, ``2026``); ValidationFailed."""
    found = _KEY.match(key.strip())
    if found is None or not 1900 < int(found["year"]) < 2200:
        raise ValidationFailed({"period": gettext("Choose a period from the list.")})
    year = int(found["year"])
    if found["month"]:
        month = int(found["month"])
        if not 1 <= month <= 12:
            raise ValidationFailed({"period": gettext("Choose a period from the list.")})
        start, end = _months(year, month, month)
        return DossierPeriod(key, start, end, format_date(start, "MMMM yyyy"))
    if found["quarter"]:
        quarter = int(found["quarter"])
        start, end = _quarter(year, quarter)
        name = gettext("Quarter %(number)s %(year)d", number=roman(quarter), year=year)
        return DossierPeriod(key, start, end, name)
    if found["half"]:
        half = int(found["half"])
        start, end = _months(year, half * 6 - 5, half * 6)
        name = gettext("Semester %(number)s %(year)d", number=roman(half), year=year)
        return DossierPeriod(key, start, end, name)
    start, end = _months(year, 1, 12)
    return DossierPeriod(key, start, end, gettext("Year %(year)d", year=year))


def _keys_of(year: int) -> list[str]:
    return [
        str(year),
        f"{year}-S1",
        f"{year}-S2",
        *(f"{year}-Q{quarter}" for quarter in range(1, 5)),
        *(f"{year}-{month:02d}" for month in range(1, 13)),
    ]


def period_of(start: date, end: date) -> DossierPeriod:
    """The named period with exactly these days, else a custom one named by its dates."""
    for key in _keys_of(start.year):
        period = named_period(key)
        if (period.start, period.end) == (start, end):
            return period
    return DossierPeriod(CUSTOM, start, end, days_name(start, end))


def days_name(start: date, end: date) -> str:
    """ "1 Januari 2026 – 15 Maret 2026" (one day: "9 Desember 2026")."""
    if start == end:
        return format_date(start, "long")
    return f"{format_date(start, 'long')} – {format_date(end, 'long')}"


def choices(today: date, years: int = 3) -> list[tuple[str, list[tuple[str, str]]]]:
    """The named periods that have begun, newest first, grouped by year: (year, [(key, name)])."""
    grouped = []
    for year in range(today.year, today.year - years, -1):
        periods = [named_period(key) for key in _keys_of(year)]
        started = [(period.key, period.name) for period in periods if period.start <= today]
        grouped.append((str(year), started))
    return grouped


def default_key(today: date) -> str:
    """The quarter that ended last: what a supervisor most often prints."""
    last_day = quarter_of(today)[0] - timedelta(days=1)
    return f"{last_day.year}-Q{quarter_number(last_day)}"
