"""Complaints received per week and channel: the data of the dashboard's volume chart.

SQL groups the cohort by local day and channel (at most 366 × 8 rows a
year), stored like the report's other parts once the period has ended
(:mod:`.stored`); Python adds the days into weeks that start on Monday.
The local day is computed in SQL from the zone's UTC offset: exact for the
fixed-offset Indonesian zones (WIB, WITA, WIT); for a zone with daylight
saving time PostgreSQL converts with its own time-zone database, and SQLite
counts UTC days.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, cast, func, literal_column, select

from complaints import clock
from complaints.extensions import db
from complaints.models import Complaint

from . import stored
from .periods import Period, Scope, cohort, scope_of

SECONDS_PER_DAY = 86_400
_JULIAN_UNIX_EPOCH = 2440587.5
DAYS_PART = "days_by_channel"


def weekly_volume(
    start: date, end: date, unit_code: str | None = None, *, fresh: bool = False
) -> list[dict[str, Any]]:
    """Complaints received per week (weeks start on Monday) and channel, for the chart."""
    period = Period.of(start, end)
    scope = scope_of(unit_code)
    days = days_by_channel(period, scope, clock.now(), fresh=fresh).payload
    weeks: dict[date, Counter[str]] = {}
    monday = period.start - timedelta(days=period.start.weekday())
    while monday <= period.end:
        weeks[monday] = Counter()
        monday += timedelta(days=7)
    for day_number, channel, count in days:
        local_day = date(1970, 1, 1) + timedelta(days=int(day_number))
        week = local_day - timedelta(days=local_day.weekday())
        weeks.setdefault(week, Counter())[channel] += int(count)
    return [
        {"week": week.isoformat(), "channels": dict(counts), "total": sum(counts.values())}
        for week, counts in sorted(weeks.items())
    ]


def days_by_channel(
    period: Period, scope: Scope, now: datetime, *, fresh: bool = False
) -> stored.Served:
    """[local day number, channel, complaints received] rows of the period's cohort."""
    day = received_day(period).label("day")
    query = (
        select(day, Complaint.channel, func.count())
        .where(cohort(period, scope))
        .group_by(day, Complaint.channel)
    )

    def compute() -> list[list[Any]]:
        return [[int(number), channel, int(n)] for number, channel, n in db.session.execute(query)]

    return stored.read(stored.Part(DAYS_PART, period, scope), compute, now=now, fresh=fresh)


def received_day(period: Period) -> Any:
    """SQL for the local day (days since 1970-01-01) a complaint of ``period`` was received."""
    zone = ZoneInfo(period.timezone)
    dialect = db.session.get_bind().dialect.name
    offset = fixed_offset(zone, (period.start, period.end))
    return local_day(local_seconds(Complaint.created_at, dialect, zone, offset), dialect)


def fixed_offset(zone: ZoneInfo, span: tuple[date, date]) -> int | None:
    """The zone's UTC offset in seconds if it is the same over the whole span, else None."""
    offsets = set()
    day = span[0]
    # Transitions happen at most a few times a year; checking each month's first day
    # and the last day is enough to notice one.
    while day <= span[1]:
        offsets.add(_offset_at(zone, day))
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    offsets.add(_offset_at(zone, span[1]))
    return offsets.pop() if len(offsets) == 1 else None


def _offset_at(zone: ZoneInfo, day: date) -> int:
    offset = datetime.combine(day, time(12), zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def local_seconds(instant: Any, dialect: str, zone: ZoneInfo, offset: int | None) -> Any:
    """Seconds from 1970-01-01 00:00 local wall-clock time to ``instant``.

    ``offset`` is the zone's fixed UTC offset, or None when it changes (PostgreSQL
    then converts with its own time-zone database, which costs more).
    """
    if dialect == "postgresql":
        if offset is None:
            return func.date_part("epoch", func.timezone(zone.key, instant), type_=Float)
        # date_part() gives a double; EXTRACT() would give a much slower numeric.
        return func.date_part("epoch", instant, type_=Float) + offset
    # SQLite stores UTC as text; julianday() parses it, with sub-millisecond precision.
    julian = func.julianday(instant, type_=Float)
    return (julian - _JULIAN_UNIX_EPOCH) * SECONDS_PER_DAY + (offset or 0)


def local_day(seconds: Any, dialect: str) -> Any:
    """The local day (days since 1970-01-01) of a :func:`local_seconds` value."""
    # A float literal: SQLAlchemy would cast an integer divisor to NUMERIC, which
    # PostgreSQL divides far more slowly than doubles.
    days = seconds / literal_column("86400.0", Float)
    if dialect == "postgresql":
        return cast(func.floor(days), Integer)
    # Instants after 1970 are positive, where truncation is the floor.
    return cast(days, Integer)
