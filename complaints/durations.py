"""Working-time durations (to check, to first response, to resolve): stored, then aggregated.

**Stored when the moment is recorded.** The workflow calls :func:`record` each
time it stamps a timestamp; each duration is measured once, in whole working
seconds (office hours minus holidays, :class:`sla.calendar.WorkingCalendar`),
and stored on the complaint:

* ``check_working_seconds``: received → first decision (verified, rejected or
  merged), measured at that decision;
* ``response_working_seconds``: verified → first public response, measured
  at that response;
* ``resolve_working_seconds``: received → resolution, measured at every
  resolution (a reopened complaint resolved again gets the new, longer one).

The rule for calendar changes: a duration is measured with the holidays known
when its end was recorded. A holiday added later does not rewrite durations
already stored (as a deadline already met is not re-judged); it counts for
every duration that ends after it was added.

**Aggregated in SQL.** :func:`summaries` returns count, mean, median and
90th percentile per unit, category, channel, kind and in total:

* PostgreSQL: one statement (``GROUPING SETS`` with ``percentile_cont``),
  exact to the second;
* SQLite has neither ordered-set aggregates nor ``GROUPING SETS``: per
  measure, one grouped scan counts the durations per whole minute and
  combination of the breakdown columns, and Python merges these buckets
  into one histogram per group and reads the percentiles from it. The
  result is bounded by distinct minutes times combinations, not by
  complaints. The count and the mean are exact; the median and the 90th
  percentile are exact to the minute (each duration counts as its whole
  minute, rounded down).

Percentiles interpolate linearly between the closest ranks, like
``percentile_cont``. Histograms were measured on PostgreSQL too and lost:
with durations spread over thousands of minutes they hardly compress
(310k buckets for 650k durations at 1M complaints), and hashing them, then
sorting or shipping them, cost more than ``percentile_cont``'s sorts of
integers.

**Rows recorded before migration 0004** (or seeded in bulk) have no stored
value. For them the same statement measures the duration from the two
timestamps with the calendar handed to the database as a small table:

1. one row per local day of the span: the day number, the working seconds of
   all earlier days of the span (``cum``), the opening time of day in seconds
   (``open``) and the working seconds of that day (``len``; 0 on weekends and
   holidays);
2. an instant's working position is
   ``W(t) = cum[day(t)] + clamp(time_of_day(t) - open, 0, len)``, and a
   duration is ``W(end) - W(start)``.

That branch sits inside ``CASE WHEN stored IS NOT NULL``, so it costs nothing
once every row has its stored value. Local days: PostgreSQL converts with
its time-zone database; SQLite adds the zone's UTC offset, exact for the
fixed-offset Indonesian zones (WIB, WITA, WIT); for a zone with daylight
saving time, SQLite uses the offset at the span's start (an hour off at
most, and only for such old rows).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
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
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
)

from sla.calendar import MAX_YEAR, MIN_YEAR, WorkingCalendar

from .extensions import db
from .models import Complaint

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
_EPOCH_DAY = date(1970, 1, 1)
_JULIAN_UNIX_EPOCH = 2440587.5

MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)
MEASURE_NAMES = ("check", "response", "resolve")


# --- stored when the workflow records a moment -----------------------------------------


def checked_at(complaint: Complaint) -> datetime | None:
    """The first decision on a complaint: verified, rejected or merged."""
    return complaint.verified_at or complaint.rejected_at or complaint.merged_at


def working_seconds(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    return round(calendar.working_seconds_between(_aware(start), _aware(end)))


def record(complaint: Complaint, *, resolved: bool = False) -> None:
    """Measure the durations whose end was just stamped (``resolved``: a new resolution).

    A duration already stored is kept (see the module's rule on calendar
    changes), except the time to resolve, measured again at each resolution.
    """
    from sla.policies import working_calendar

    calendar: WorkingCalendar | None = None

    def measure(start: datetime, end: datetime) -> int:
        nonlocal calendar
        calendar = calendar or working_calendar()
        return working_seconds(calendar, start, end)

    decided = checked_at(complaint)
    if complaint.check_working_seconds is None and decided is not None:
        complaint.check_working_seconds = measure(complaint.created_at, decided)
    if (
        complaint.response_working_seconds is None
        and complaint.verified_at is not None
        and complaint.first_response_at is not None
    ):
        complaint.response_working_seconds = measure(
            complaint.verified_at, complaint.first_response_at
        )
    if complaint.resolved_at is not None and (
        resolved or complaint.resolve_working_seconds is None
    ):
        complaint.resolve_working_seconds = measure(complaint.created_at, complaint.resolved_at)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- aggregated in SQL ------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One duration: its stored column, its two instants, and the rows it counts over."""

    name: str
    stored: Any
    start: Any
    end: Any
    where: ColumnElement[bool]


@dataclass(frozen=True)
class Summary:
    count: int
    total_seconds: int
    median_seconds: float | None
    p90_seconds: float | None

    def as_json(self) -> dict[str, Any]:
        """Count, mean, median and 90th percentile in working hours (two decimals)."""
        return {
            "count": self.count,
            "mean_working_hours": _hours(self.total_seconds / self.count) if self.count else None,
            "median_working_hours": _hours(self.median_seconds),
            "p90_working_hours": _hours(self.p90_seconds),
        }


EMPTY = Summary(0, 0, None, None)


def _hours(seconds: float | None) -> float | None:
    return round(seconds / 3600, 2) if seconds is not None else None


# (measure name, breakdown name, key) -> summary; breakdown "total" has key None.
Summaries = dict[tuple[str, str, Any], Summary]


@dataclass(frozen=True)
class Calendar:
    """The working calendar in the form the database measures unstored durations with."""

    days: Any
    zone: ZoneInfo
    dialect: str
    offset: int | None


def summaries(
    measures: Sequence[Measure],
    breakdowns: Mapping[str, Any],
    rows: ColumnElement[bool],
    calendar: Calendar | None,
) -> Summaries:
    """Each measure's summary per value of each breakdown column, and in total.

    ``breakdowns`` names the grouping columns (``{"unit": Complaint.unit_id, …}``);
    ``rows`` selects the complaints looked at (each measure narrows it with its
    own ``where``). ``calendar`` (:func:`sql_calendar`) measures the rows
    without a stored duration; None when every row has its durations stored
    (see :func:`unstored`), which spares the database the calendar entirely.
    """
    found: Summaries = {}
    if db.session.get_bind().dialect.name == "postgresql":
        values = {
            measure.name: case(
                (measure.where, _seconds(measure, calendar) if calendar else measure.stored),
                else_=None,
            )
            for measure in measures
        }
        _postgresql_summaries(values, rows, calendar, breakdowns, found)
    else:
        for measure in measures:
            seconds = _seconds(measure, calendar) if calendar else measure.stored
            # The measure's rows in the WHERE clause, not a CASE around the value:
            # SQLite would evaluate it in the WHERE, the GROUP BY and each aggregate.
            counted = and_(rows, measure.where, _has_duration(measure, calendar))
            for (breakdown, key), histogram in _histograms(seconds, counted, breakdowns).items():
                found[(measure.name, breakdown, key)] = histogram.summary()
    return found


def _has_duration(measure: Measure, calendar: Calendar | None) -> ColumnElement[bool]:
    """Rows with a stored duration, or (given a calendar) with both instants to measure."""
    if calendar is None:
        return measure.stored.is_not(None)
    return or_(measure.stored.is_not(None), and_not_null(measure.start, measure.end))


def _postgresql_summaries(
    values: Mapping[str, Any],
    rows: ColumnElement[bool],
    calendar: Calendar | None,
    breakdowns: Mapping[str, Any],
    found: Summaries,
) -> None:
    """One scan for every measure: GROUPING SETS over each breakdown and the total.

    Each ``percentile_cont`` sorts its own group's values (NULLs, the rows a
    measure does not count, are left out) and the grouping sets share the
    sorts of their input: a few sorts of integers in one statement, not one
    query per breakdown and measure.
    """
    inner = select(
        *breakdowns.values(), *(value.label(name) for name, value in values.items())
    ).where(rows)
    # A derived table, so only the integers travel into the sorts.
    measured = inner.subquery("measured")
    columns = [measured.c[column.key] for column in breakdowns.values()]
    shares = literal_column("ARRAY[0.5, 0.9]::float8[]", ARRAY(Float))
    aggregates = []
    for name in values:
        value = measured.c[name]
        aggregates += [
            func.count(value),
            func.sum(value),
            func.percentile_cont(shares).within_group(value),
        ]
    query = select(*columns, func.grouping(*columns), *aggregates).group_by(
        func.grouping_sets(*(tuple_(column) for column in columns), tuple_())
    )
    names = list(breakdowns)
    everything = (1 << len(names)) - 1
    for row in db.session.execute(query):
        keys, grouping = row[: len(names)], row[len(names)]
        if grouping == everything:
            breakdown, key = "total", None
        else:
            # grouping() sets the bit of every column not grouped by; one is clear.
            index = next(i for i in range(len(names)) if not grouping & (1 << (len(names) - 1 - i)))
            breakdown, key = names[index], keys[index]
        figures = row[len(names) + 1 :]
        for position, name in enumerate(values):
            count, total, percentiles = figures[3 * position : 3 * position + 3]
            median, p90 = percentiles if percentiles is not None else (None, None)
            found[(name, breakdown, key)] = Summary(int(count), int(total or 0), median, p90)


def _histograms(
    seconds: Any, rows: ColumnElement[bool], breakdowns: Mapping[str, Any]
) -> dict[tuple[str, Any], Histogram]:
    """SQLite: a duration's histogram per breakdown group, from one grouped scan of ``rows``.

    SQLite has neither ordered-set aggregates nor ``GROUPING SETS``, so it
    counts per minute and combination of the breakdown columns (a "cell":
    unit, category, channel, kind); Python adds each cell's buckets to the
    histogram of every group the cell belongs to. The result is bounded by
    distinct minutes times cells, not by complaints. The minute leads the
    ``GROUP BY`` because SQLite groups by sorting, and a leading integer that
    tells most rows apart sorts fastest.
    """
    columns = list(breakdowns.values())
    names = list(breakdowns)
    # Integer division: durations are never negative, so this is the floor.
    minute = seconds // 60
    query = (
        select(minute, *columns, func.count(), func.sum(seconds))
        .where(rows)
        .group_by(minute, *columns)
    )
    histograms: dict[tuple[str, Any], Histogram] = {}
    into: dict[tuple[Any, ...], list[Histogram]] = {}
    # Core rows, not ORM ones: tens of thousands of buckets at scale.
    for row in db.session.connection().execute(query):
        cell = tuple(row[1:-2])
        targets = into.get(cell)
        if targets is None:
            groups = [("total", None), *zip(names, cell, strict=True)]
            targets = into[cell] = [histograms.setdefault(g, Histogram()) for g in groups]
        bucket, count, total = row[0], row[-2], row[-1]
        for histogram in targets:  # the hot loop: inline, no method call
            minutes = histogram.minutes
            minutes[bucket] = minutes.get(bucket, 0) + count
            histogram.count += count
            histogram.total_seconds += total
    return histograms


@dataclass
class Histogram:
    """One group's durations counted per whole minute, with their exact count and sum."""

    minutes: dict[int, int] = field(default_factory=dict)
    count: int = 0
    total_seconds: int = 0

    def summary(self) -> Summary:
        """The mean is exact; the median and 90th percentile are exact to the minute."""
        at_rank = self._at_ranks(_closest_ranks(self.count))
        return Summary(
            self.count,
            self.total_seconds,
            _percentile(at_rank, self.count, MEDIAN) * 60,
            _percentile(at_rank, self.count, P90) * 60,
        )

    def _at_ranks(self, ranks: frozenset[int]) -> dict[int, int]:
        """The minute at each 0-based rank of ``ranks``: one walk up the sorted minutes."""
        wanted = sorted(ranks)
        found: dict[int, int] = {}
        seen = 0
        for minute in sorted(self.minutes):
            seen += self.minutes[minute]
            while len(found) < len(wanted) and wanted[len(found)] < seen:
                found[wanted[len(found)]] = minute
            if len(found) == len(wanted):
                break
        return found


def _closest_ranks(count: int) -> frozenset[int]:
    """The 0-based ranks the median and the 90th percentile interpolate between."""
    ranks = set()
    for share in (MEDIAN, P90):
        below = (count - 1) * share.numerator // share.denominator
        ranks.update({below, min(below + 1, count - 1)})
    return frozenset(ranks)


def _percentile(at_rank: Mapping[int, int], n: int, share: Fraction) -> float:
    """Linear between the closest ranks (0-based), like ``percentile_cont``."""
    position = (n - 1) * share
    below = int(position)
    low = at_rank[below]
    if position == below:
        return float(low)
    return float(low + (position - below) * (at_rank[below + 1] - low))


def unstored(measures: Sequence[Measure]) -> ColumnElement[bool]:
    """Rows with both instants of some measure but not its stored duration."""
    return or_(
        *(
            and_(measure.stored.is_(None), and_not_null(measure.start, measure.end))
            for measure in measures
        )
    )


def sql_calendar(calendar: WorkingCalendar, timezone: str, span: tuple[date, date]) -> Calendar:
    """The calendar of ``span`` (first and last local day) for :func:`measured`."""
    zone = ZoneInfo(timezone)
    dialect = db.session.get_bind().dialect.name
    offset = fixed_offset(zone, span)
    if dialect != "postgresql" and offset is None:
        offset = _offset_at(zone, span[0])
    days = _calendar_table(calendar_rows(calendar, zone, *span), dialect)
    return Calendar(days, zone, dialect, offset)


def measured(start: Any, end: Any, cal: Calendar) -> Any:
    """SQL for the working seconds from ``start`` to ``end``."""
    start_at = local_seconds(start, cal.dialect, cal.zone, cal.offset)
    end_at = local_seconds(end, cal.dialect, cal.zone, cal.offset)
    return cast(func.round(_position(end_at, cal) - _position(start_at, cal)), Integer)


def _seconds(measure: Measure, cal: Calendar) -> Any:
    """The stored duration, else the one measured from its instants (old rows)."""
    return case(
        (measure.stored.is_not(None), measure.stored),
        (and_not_null(measure.start, measure.end), measured(measure.start, measure.end, cal)),
        else_=None,
    )


def backfill(calendar: WorkingCalendar, timezone: str, span: tuple[date, date]) -> None:
    """Store the durations of complaints recorded without them (bulk imports, old rows).

    Uses today's calendar, so run it soon after such rows arrive; ``span`` must
    cover their instants. The caller commits.
    """
    cal = sql_calendar(calendar, timezone, span)
    c = Complaint
    decided = func.coalesce(c.verified_at, c.rejected_at, c.merged_at)
    measures = [
        Measure("check", c.check_working_seconds, c.created_at, decided, true()),
        Measure("response", c.response_working_seconds, c.verified_at, c.first_response_at, true()),
        Measure("resolve", c.resolve_working_seconds, c.created_at, c.resolved_at, true()),
    ]
    values = {}
    for measure in measures:
        values[measure.stored] = _seconds(measure, cal)
    # One statement for the three columns: each row is rewritten once.
    db.session.execute(update(Complaint).where(unstored(measures)).values(values))


def and_not_null(*columns: Any) -> ColumnElement[bool]:
    return and_(*(column.is_not(None) for column in columns))


def clamp_span(first: date, last: date) -> tuple[date, date]:
    """Keep a span inside the years the calendar supports."""
    return max(first, date(MIN_YEAR, 1, 1)), min(last, date(MAX_YEAR, 12, 31))


# --- the calendar in SQL (rows without a stored duration) ------------------------------


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


def _position(seconds: Any, cal: Calendar) -> Any:
    """W(t) = cum + clamp(t - opening, 0, len): working seconds from the span's start."""
    if cal.dialect == "postgresql":
        # Three constant arrays, indexed by the day's position in the span.
        days = cal.days
        index = day_number(seconds, cal.dialect) - days["first_day"] + 1
        cum, opening, length = days["cum"][index], days["opening"][index], days["len"][index]
        return cum + func.least(func.greatest(seconds - opening, 0), length)
    # A correlated lookup, evaluated only for the rows without a stored duration.
    into_day = func.min(func.max(seconds - _DAYS.c.cal_open, 0), _DAYS.c.cal_len)
    return (
        select(_DAYS.c.cal_cum + into_day)
        .where(_DAYS.c.cal_day == day_number(seconds, cal.dialect))
        .scalar_subquery()
    )


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

    PostgreSQL: three constant integer arrays written into the statement
    (subscripting is O(1); a constant is parsed once per statement, where a
    correlated subquery would parse it per row), so no join at all — a join on
    a ``VALUES`` list made it sort every complaint.
    SQLite has no arrays: the rows go into a per-connection temporary table
    whose integer primary key makes each lookup one B-tree search.
    """
    if dialect == "postgresql":

        def array(values: list[int]) -> Any:
            # Integer literals inline (no bound parameter per value).
            listed = ",".join(f"{value:d}" for value in values)
            return literal_column(f"('{{{listed}}}'::bigint[])", ARRAY(BigInteger))

        return {
            "first_day": literal_column(f"{rows[0][0]:d}", Integer),
            "cum": array([row[1] for row in rows]),
            "opening": array([row[2] for row in rows]),
            "len": array([row[3] for row in rows]),
        }
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
