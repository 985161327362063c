"""Working-time durations (to verify, to first response, to resolve) as SQL aggregates.

A duration in working time needs the holiday calendar, which lives in Python
(:class:`sla.calendar.WorkingCalendar`). Rather than fetching every pair of
instants, the calendar is handed to the database as a small table:

1. one row per local day of the span the report touches (a few hundred to a
   few thousand rows, sent inline as a ``VALUES`` list in a CTE): the day
   number, the working seconds of all earlier days of the span (``cum``),
   the opening time of day in seconds (``open``) and the working seconds of
   that day (``len``; 0 on weekends and holidays);
2. an instant's working position is then
   ``W(t) = cum[day(t)] + clamp(time_of_day(t) - open, 0, len)``, and a
   duration is ``W(end) - W(start)``: two equality joins and arithmetic;
3. the database groups the durations by unit and whole minute and returns
   ``(unit, minute, count)`` — a histogram whose size is bounded by the
   number of distinct minutes (a few thousand per unit at most), not by the
   number of complaints. Only a count per group, so PostgreSQL runs it as a
   parallel scan;
4. Python reads the mean, the median and the 90th percentile from the
   histogram, exact to the minute (percentiles interpolate linearly between
   closest ranks, like PostgreSQL's ``percentile_cont``).

Local days: PostgreSQL converts with its time-zone database (``timezone()``);
SQLite has none, so it adds the zone's UTC offset, which is exact for the
fixed-offset Indonesian zones (WIB, WITA, WIT). For a zone with daylight
saving time on SQLite, :func:`histograms` streams the ``(start, end)`` pairs
instead (``yield_per``) and measures each with the calendar's O(1)
``working_seconds_between``; memory stays bounded because only the
histogram is kept, never the pairs.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    Table,
    cast,
    func,
    literal_column,
    select,
    text,
    true,
)

from sla.calendar import MAX_YEAR, MIN_YEAR, WorkingCalendar

from .extensions import db
from .models import Complaint

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
_EPOCH_DAY = date(1970, 1, 1)
_JULIAN_UNIX_EPOCH = 2440587.5
STREAM_BATCH = 5_000

MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)


@dataclass(frozen=True)
class Measure:
    """One duration: from ``start`` to ``end``, over the rows ``where`` selects."""

    name: str
    start: Any
    end: Any
    where: ColumnElement[bool]


@dataclass
class Histogram:
    """Durations bucketed by whole minute, with their count and sum (of the minute values)."""

    minutes: Counter[int] = field(default_factory=Counter)
    count: int = 0
    seconds: float = 0.0

    def add(self, minute: int, count: int, seconds: float) -> None:
        self.minutes[minute] += count
        self.count += count
        self.seconds += seconds

    def merge(self, other: Histogram) -> None:
        self.minutes.update(other.minutes)
        self.count += other.count
        self.seconds += other.seconds

    def percentile_minutes(self, share: Fraction) -> Fraction | None:
        """The ``share`` percentile (linear between closest ranks), in minutes."""
        if self.count == 0:
            return None
        position = (self.count - 1) * share
        below = int(position)
        low = self._kth(below)
        if position == below:
            return Fraction(low)
        return low + (position - below) * (self._kth(below + 1) - low)

    def _kth(self, k: int) -> int:
        """The k-th smallest minute value (0-based)."""
        seen = 0
        for minute in sorted(self.minutes):
            seen += self.minutes[minute]
            if k < seen:
                return minute
        raise IndexError(k)

    def summary(self) -> dict[str, Any]:
        """Count, mean, median and 90th percentile in working hours (two decimals).

        Each duration counts as its whole minute, so the mean, like the percentiles,
        is exact to the minute.
        """
        median = self.percentile_minutes(MEDIAN)
        p90 = self.percentile_minutes(P90)
        return {
            "count": self.count,
            "mean_working_hours": round(self.seconds / self.count / 3600, 2)
            if self.count
            else None,
            "median_working_hours": _hours(median),
            "p90_working_hours": _hours(p90),
        }


def _hours(minutes: Fraction | None) -> float | None:
    return round(float(minutes / 60), 2) if minutes is not None else None


# (measure name, unit id) -> histogram
Histograms = dict[tuple[str, int | None], Histogram]


def histograms(
    measures: Iterable[Measure],
    calendar: WorkingCalendar,
    timezone: str,
    span: tuple[date, date],
    *,
    streaming: bool | None = None,
) -> Histograms:
    """Per-unit histograms of each measure's working-time durations.

    ``span`` (first and last local day) must cover every start and end
    instant; ``streaming`` forces (True) or forbids (False) the Python path,
    by default it is used only where SQL cannot find local days exactly.
    """
    zone = ZoneInfo(timezone)
    dialect = db.session.get_bind().dialect.name
    offset = fixed_offset(zone, span)
    if streaming is None:
        streaming = dialect != "postgresql" and offset is None
    found: Histograms = {}
    if streaming:
        for measure in measures:
            _stream_measure(measure, calendar, found)
        return found
    cal = _calendar_table(calendar_rows(calendar, zone, *span), dialect)
    for measure in measures:
        _sql_measure(measure, cal, zone, dialect, offset, found)
    return found


def clamp_span(first: date, last: date) -> tuple[date, date]:
    """Keep a span inside the years the calendar supports."""
    return max(first, date(MIN_YEAR, 1, 1)), min(last, date(MAX_YEAR, 12, 31))


# --- SQL ---------------------------------------------------------------------------------


def calendar_rows(
    calendar: WorkingCalendar, zone: ZoneInfo, first: date, last: date
) -> list[tuple[int, int, int, int]]:
    """(day number, cum, opening, len) per local day from ``first`` to ``last``.

    ``cum`` is the working time of the span's earlier days and ``opening`` the
    day's opening as local seconds since 1970-01-01 00:00 (both in seconds);
    a closed day has ``len`` 0.
    """
    rows = []
    cumulative = 0
    day = first
    while day <= last:
        midnight = datetime.combine(day, time(0), zone)
        following = datetime.combine(day + timedelta(days=1), time(0), zone)
        length = round(calendar.working_seconds_between(midnight, following))
        number = (day - _EPOCH_DAY).days
        opening = number * SECONDS_PER_DAY
        if length > 0:
            opens_at = calendar.next_working_instant(midnight).astimezone(zone)
            opening += opens_at.hour * 3600 + opens_at.minute * 60 + opens_at.second
        rows.append((number, cumulative, opening, length))
        cumulative += length
        day += timedelta(days=1)
    return rows


def fixed_offset(zone: ZoneInfo, span: tuple[date, date]) -> int | None:
    """The zone's UTC offset in seconds if it is the same over the whole span, else None."""
    offsets = set()
    day = span[0]
    # Transitions happen at most a few times a year; checking each month's first day
    # and the last day is enough to notice one.
    while day <= span[1]:
        offsets.add(datetime.combine(day, time(12), zone).utcoffset())
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    offsets.add(datetime.combine(span[1], time(12), zone).utcoffset())
    if len(offsets) != 1:
        return None
    only = offsets.pop()
    return int(only.total_seconds()) if only is not None else None


def local_seconds(instant: Any, dialect: str, zone: ZoneInfo, offset: int | None) -> Any:
    """Seconds from 1970-01-01 00:00 local wall-clock time to ``instant``.

    ``offset`` is the zone's fixed UTC offset, or None when it changes (PostgreSQL
    only: it then converts with its own time-zone database, which costs more).
    """
    if dialect == "postgresql":
        if offset is None:
            return func.date_part("epoch", func.timezone(zone.key, instant), type_=Float)
        # date_part() gives a double; EXTRACT() would give a much slower numeric.
        return func.date_part("epoch", instant, type_=Float) + offset
    # SQLite stores UTC as text; julianday() parses it, with sub-millisecond precision.
    julian = func.julianday(instant, type_=Float)
    return (julian - _JULIAN_UNIX_EPOCH) * SECONDS_PER_DAY + (offset or 0)


def day_number(seconds: Any, dialect: str) -> Any:
    """The local day (days since 1970-01-01) of a ``local_seconds`` value."""
    # A float literal: SQLAlchemy would cast an integer divisor to NUMERIC, which
    # PostgreSQL divides far more slowly than doubles.
    days = seconds / literal_column("86400.0", Float)
    if dialect == "postgresql":
        return cast(func.floor(days), Integer)
    # Instants after 1970 are positive, where truncation is the floor.
    return cast(days, Integer)


def _position(seconds: Any, cal: Any, dialect: str) -> Any:
    """W(t) = cum + clamp(t - opening, 0, len): working seconds from the span's start."""
    if dialect == "postgresql":
        # One-row table of three arrays, indexed by the day's position in the span.
        index = day_number(seconds, dialect) - cal.c.first_day + 1
        cum, opening, length = cal.c.cum[index], cal.c.opening[index], cal.c.len[index]
        return cum + func.least(func.greatest(seconds - opening, 0), length)
    into_day = func.min(func.max(seconds - cal.c.cal_open, 0), cal.c.cal_len)
    return cal.c.cal_cum + into_day


_DAYS = Table(
    "aduan_working_days",
    MetaData(),
    Column("cal_day", Integer, primary_key=True),
    Column("cal_cum", Integer),
    Column("cal_open", Integer),
    Column("cal_len", Integer),
)


def _calendar_table(rows: list[tuple[int, int, int, int]], dialect: str) -> Any:
    """The calendar rows in the form each database looks them up fastest.

    PostgreSQL: one row of three integer arrays (subscripting is O(1)), so no
    join at all — a join on a ``VALUES`` list made it sort every complaint.
    SQLite has no arrays: the rows go into a per-connection temporary table
    whose integer primary key makes each lookup one B-tree search.
    """
    if dialect == "postgresql":

        def array(values: list[int]) -> Any:
            # Integer literals inline (no bound parameter per value).
            listed = ",".join(f"{value:d}" for value in values)
            return literal_column(f"'{{{listed}}}'::bigint[]", ARRAY(BigInteger))

        return select(
            literal_column(f"{rows[0][0]:d}", Integer).label("first_day"),
            array([row[1] for row in rows]).label("cum"),
            array([row[2] for row in rows]).label("opening"),
            array([row[3] for row in rows]).label("len"),
        ).subquery("working_calendar")
    session = db.session
    session.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS aduan_working_days (cal_day INTEGER PRIMARY KEY, "
            "cal_cum INTEGER NOT NULL, cal_open INTEGER NOT NULL, cal_len INTEGER NOT NULL)"
        )
    )
    session.execute(_DAYS.delete())
    session.execute(
        _DAYS.insert(),
        [
            dict(zip(("cal_day", "cal_cum", "cal_open", "cal_len"), row, strict=True))
            for row in rows
        ],
    )
    return _DAYS


def _sql_measure(
    measure: Measure,
    cal: Any,
    zone: ZoneInfo,
    dialect: str,
    offset: int | None,
    found: Histograms,
) -> None:
    pairs = (
        select(
            Complaint.unit_id.label("unit_id"),
            local_seconds(measure.start, dialect, zone, offset).label("s"),
            local_seconds(measure.end, dialect, zone, offset).label("e"),
        )
        .where(measure.where, measure.start.is_not(None), measure.end.is_not(None))
        .subquery("pairs")
    )
    if dialect == "postgresql":
        seconds = _position(pairs.c.e, cal, dialect) - _position(pairs.c.s, cal, dialect)
        source = (
            select(pairs.c.unit_id, seconds.label("seconds")).select_from(pairs).join(cal, true())
        )
    else:
        start_cal, end_cal = cal.alias("start_cal"), cal.alias("end_cal")
        seconds = _position(pairs.c.e, end_cal, dialect) - _position(pairs.c.s, start_cal, dialect)
        source = (
            select(pairs.c.unit_id, seconds.label("seconds"))
            .select_from(pairs)
            .join(start_cal, start_cal.c.cal_day == day_number(pairs.c.s, dialect))
            .join(end_cal, end_cal.c.cal_day == day_number(pairs.c.e, dialect))
        )
    measured = source.subquery("measured")
    minute = func.round(measured.c.seconds / 60.0).label("minute")
    query = select(measured.c.unit_id, minute, func.count()).group_by(
        measured.c.unit_id, literal_column("minute")
    )
    # Core rows, not ORM ones: tens of thousands of (unit, minute) rows at scale.
    for unit_id, minute_value, count in db.session.connection().execute(query):
        histogram = found.get((measure.name, unit_id))
        if histogram is None:
            histogram = found[(measure.name, unit_id)] = Histogram()
        histogram.add(int(minute_value), int(count), float(minute_value) * 60 * int(count))


# --- streaming fallback ------------------------------------------------------------------


def _stream_measure(measure: Measure, calendar: WorkingCalendar, found: Histograms) -> None:
    query = (
        select(Complaint.unit_id, measure.start, measure.end)
        .where(measure.where, measure.start.is_not(None), measure.end.is_not(None))
        .execution_options(yield_per=STREAM_BATCH)
    )
    for unit_id, start, end in db.session.execute(query):
        minute = round(calendar.working_seconds_between(_aware(start), _aware(end)) / 60)
        histogram = found.setdefault((measure.name, unit_id), Histogram())
        histogram.add(minute, 1, minute * 60.0)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def merged(found: Mapping[tuple[str, int | None], Histogram], name: str) -> Histogram:
    """All units' histograms of one measure added together."""
    total = Histogram()
    for (measure, _unit), histogram in found.items():
        if measure == name:
            total.merge(histogram)
    return total
