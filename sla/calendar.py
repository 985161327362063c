"""Working-time calendar for complaint deadlines.

Complaint deadlines (SLA) are counted in working time: office hours on working days in a
local time zone, minus Indonesian public holidays, collective leave days (cuti bersama)
and regional holidays added by an administrator.

Every call is answered from per-year lookup tables that are built lazily, once per
calendar object, on first use of a year. A table lists the working days of one local
calendar year with their opening instant, their length and a running prefix sum of
working time, all as integer microseconds since the Unix epoch (UTC). Mapping an instant
to "working time elapsed since the start of its year" and back is then a `bisect` over
these lists, so no call loops over minutes or days; spans that cross years add up whole
year totals, which costs one step per year crossed.
"""

from __future__ import annotations

import logging
import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from holidays.constants import GOVERNMENT, PUBLIC

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "MAX_YEAR",
    "MIN_YEAR",
    "WorkingCalendar",
]

DEFAULT_OFFICE_HOURS: dict[int, tuple[time, time]] = {
    0: (time(8, 0), time(16, 0)),
    1: (time(8, 0), time(16, 0)),
    2: (time(8, 0), time(16, 0)),
    3: (time(8, 0), time(16, 0)),
    4: (time(8, 0), time(16, 30)),
}
"""Office hours per weekday (0 = Monday) as (open, close) local wall-clock times.

Saturday and Sunday are absent, which means closed.
"""

MIN_YEAR = 1990
"""First calendar year the calendar can compute with."""

MAX_YEAR = 2200
"""Last calendar year the calendar can compute with."""

_COUNTRY = "ID"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_US_PER_SECOND = 1_000_000
_US_PER_HOUR = 3_600 * _US_PER_SECOND

# Extra holidays usually come from an admin form without a name; these labels are shown
# instead, in the same language as the national holiday names.
_EXTRA_HOLIDAY_LABELS: dict[str, str] = {
    "id": "Libur daerah",
    "en_US": "Regional holiday",
}
_EXTRA_HOLIDAY_FALLBACK_LABEL = "Regional holiday"


@dataclass(frozen=True, slots=True)
class _YearTable:
    """Working days of one local calendar year, in chronological order.

    All instants and durations are integer microseconds (instants since the Unix epoch),
    which keeps arithmetic exact where floats would drift at microsecond resolution.
    """

    year: int
    opens: list[int]
    closes: list[int]
    lengths: list[int]
    # cum_end[k] is the working time from the start of the year to the close of day k.
    cum_end: list[int]
    total: int
    holiday_names: dict[date, str]

    @property
    def day_count(self) -> int:
        return len(self.opens)

    def start_of(self, k: int) -> int:
        """Working time from the start of the year to the opening of working day k."""
        return self.cum_end[k] - self.lengths[k]


def _to_utc_datetime(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _local_to_us(day: date, wall: time, tz: ZoneInfo) -> int:
    return (datetime.combine(day, wall, tzinfo=tz) - _EPOCH) // _ONE_US


def _validate_office_hours(
    office_hours: Mapping[int, tuple[time, time]],
) -> dict[int, tuple[time, time]]:
    hours: dict[int, tuple[time, time]] = {}
    for weekday, span in office_hours.items():
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"office_hours keys must be weekdays 0 (Monday)..6, got {weekday!r}")
        try:
            opening, closing = span
        except (TypeError, ValueError):
            raise ValueError(
                f"office_hours[{weekday}] must be an (open, close) pair, got {span!r}"
            ) from None
        if not isinstance(opening, time) or not isinstance(closing, time):
            raise TypeError(f"office_hours[{weekday}] must hold datetime.time values")
        if opening.tzinfo is not None or closing.tzinfo is not None:
            raise ValueError(
                f"office_hours[{weekday}] must be naive local times; "
                "the calendar's timezone gives them meaning"
            )
        if not opening < closing:
            raise ValueError(
                f"office_hours[{weekday}] opens at {opening} but closes at {closing}; "
                "closing must be later on the same day"
            )
        hours[weekday] = (opening, closing)
    if not hours:
        raise ValueError("office_hours must open on at least one weekday")
    return hours


def _validate_extra_holidays(extra_holidays: Iterable[date], label: str) -> dict[date, str]:
    names: dict[date, str]
    if isinstance(extra_holidays, Mapping):
        names = {day: str(name) if name else label for day, name in extra_holidays.items()}
    else:
        names = {day: label for day in extra_holidays}
    for day in names:
        # A datetime would silently never match the date keys of the holiday tables.
        if isinstance(day, datetime) or not isinstance(day, date):
            raise TypeError(f"extra_holidays must contain datetime.date values, got {day!r}")
    return names


class WorkingCalendar:
    """Office-hours calendar of one local time zone, minus Indonesian holidays.

    All datetimes passed in must be timezone-aware; all datetimes returned are in UTC.
    Office hours are local wall-clock times in ``timezone``. A working day is a weekday
    that has office hours and is neither a national public holiday (``holidays``
    package, country "ID"), nor, when ``collective_leave`` is true, a collective leave
    day (cuti bersama, the package's GOVERNMENT category), nor one of
    ``extra_holidays``. Office hours are the half-open interval [open, close): the
    closing instant itself is already outside office hours.

    Computations are supported for instants and dates in the years ``MIN_YEAR`` to
    ``MAX_YEAR``; anything outside raises ``ValueError``. The ``holidays`` package only
    knows holidays up to 2100, so later years count weekends and ``extra_holidays`` only.

    Instances are safe to share between threads: lookup tables are built once per year
    under a lock and never modified afterwards.
    """

    def __init__(
        self,
        timezone: str = "Asia/Makassar",
        office_hours: Mapping[int, tuple[time, time]] | None = None,
        extra_holidays: Iterable[date] = (),
        collective_leave: bool = True,
        *,
        language: str = "id",
    ) -> None:
        """Create a calendar.

        Args:
            timezone: IANA time zone name in which office hours are read.
            office_hours: weekday (0 = Monday) -> (open, close) naive local times;
                weekdays absent from the mapping are closed. Defaults to
                ``DEFAULT_OFFICE_HOURS``.
            extra_holidays: additional non-working dates, such as regional holidays. A
                mapping of date -> name is accepted too, and its names are then shown by
                ``holiday_name``.
            collective_leave: also treat collective leave days (cuti bersama) as
                holidays.
            language: language of holiday names returned by ``holiday_name``, as
                understood by the ``holidays`` package ("id" or "en_US").

        Raises:
            ValueError: unknown time zone or invalid office hours.
            TypeError: an extra holiday is not a ``datetime.date``.
        """
        try:
            self._tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {timezone!r}") from exc
        self._timezone_name = timezone
        self._hours = _validate_office_hours(
            DEFAULT_OFFICE_HOURS if office_hours is None else office_hours
        )
        self._language = language
        extra_label = _EXTRA_HOLIDAY_LABELS.get(language, _EXTRA_HOLIDAY_FALLBACK_LABEL)
        self._extra = _validate_extra_holidays(extra_holidays, extra_label)
        self._categories: tuple[str, ...] = (PUBLIC, GOVERNMENT) if collective_leave else (PUBLIC,)
        self._collective_leave = collective_leave
        # Local midnight of 1 January of each supported year plus the year after the
        # last one, so that bisecting an instant yields its local calendar year.
        self._year_starts: list[int] = [
            _local_to_us(date(year, 1, 1), time(0, 0), self._tz)
            for year in range(MIN_YEAR, MAX_YEAR + 2)
        ]
        self._tables: dict[int, _YearTable] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(timezone={self._timezone_name!r}, "
            f"collective_leave={self._collective_leave!r}, "
            f"extra_holidays={len(self._extra)})"
        )

    # Public API

    def is_working_day(self, day: date) -> bool:
        """Tell whether ``day`` has office hours and is not a holiday.

        A timezone-aware datetime is accepted too and stands for its local date in the
        calendar's time zone.
        """
        day = self._local_date(day)
        if day.weekday() not in self._hours:
            return False
        return day not in self._table(day.year).holiday_names

    def holiday_name(self, day: date) -> str | None:
        """Return the name of the holiday on ``day`` for display, or None.

        National public holidays, collective leave days (when enabled) and extra
        holidays all count, also when they fall on a weekend. When a national holiday and
        an extra holiday share a date, the national name wins. A timezone-aware datetime
        stands for its local date in the calendar's time zone.
        """
        day = self._local_date(day)
        return self._table(day.year).holiday_names.get(day)

    def national_holidays(self, year: int) -> dict[date, str]:
        """The national holidays (and cuti bersama, when counted) of ``year``, by date."""
        return dict(
            holidays.country_holidays(
                _COUNTRY, years=year, categories=self._categories, language=self._language
            ).items()
        )

    def next_working_instant(self, moment: datetime) -> datetime:
        """Return ``moment`` (in UTC) if it is inside office hours, else the next opening.

        Office hours are half-open: a moment exactly at opening is inside, a moment
        exactly at closing is not and yields the next working day's opening.
        """
        year, pos = self._locate(self._to_us(moment, "moment"))
        year, k, offset = self._day_at_or_after(year, pos)
        table = self._table(year)
        return _to_utc_datetime(table.opens[k] + offset)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Return the instant at which ``hours`` working hours have elapsed since ``start``.

        If ``start`` is outside office hours, counting begins at the next opening. When
        the hours run out exactly at a closing time, the closing instant is returned (not
        the next opening). ``hours == 0`` returns ``next_working_instant(start)``.
        Precision is one microsecond.

        Raises:
            ValueError: ``start`` is naive, or ``hours`` is negative or not finite.
        """
        if isinstance(hours, bool) or not isinstance(hours, (int, float)):
            raise TypeError(f"hours must be a number, got {hours!r}")
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"hours must be a finite number >= 0, got {hours!r}")
        start_us = self._to_us(start, "start")
        delta = round(hours * _US_PER_HOUR)
        if delta == 0:
            return self.next_working_instant(start)
        year, pos = self._locate(start_us)
        target = pos + delta
        table = self._table(year)
        while target > table.total:
            target -= table.total
            table = self._table(table.year + 1)
        # bisect_left picks the day whose close is the first to reach the target, so a
        # target that ends exactly at a closing maps to that closing.
        k = bisect_left(table.cum_end, target)
        return _to_utc_datetime(table.opens[k] + target - table.start_of(k))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Return the deadline ``days`` working days after ``start``.

        ``start`` is first placed on the working timeline: inside office hours it stays
        put, outside office hours it moves to the next opening. Let D be the working day
        it then falls on and o the office time already elapsed on D.

        * If o == 0 (start at or before D's opening), D counts as the first of the
          ``days`` days, and the result is the closing instant of the ``days``-th working
          day counting D as the 1st, so ``days`` full working days are available.
        * Otherwise the result is on the ``days``-th working day after D, at
          ``min(o, that day's length)`` after its opening (the same office time of day,
          capped at closing when that day is shorter).
        * ``days == 0`` returns ``next_working_instant(start)``.

        Examples with default office hours: Monday 10:00 + 3 = Thursday 10:00; Monday
        20:00 + 3 = Thursday 16:00 (Tuesday, Wednesday, Thursday); Friday 10:00 + 1 =
        next Monday 10:00; Friday 16:15 + 1 = Monday 16:00. Holidays are skipped.

        Raises:
            ValueError: ``start`` is naive or ``days`` is negative.
            TypeError: ``days`` is not an int.
        """
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError(f"days must be an int, got {days!r}")
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        start_us = self._to_us(start, "start")
        if days == 0:
            return self.next_working_instant(start)
        year, pos = self._locate(start_us)
        year, k, offset = self._day_at_or_after(year, pos)
        target = k + days - 1 if offset == 0 else k + days
        table = self._table(year)
        while target >= table.day_count:
            target -= table.day_count
            table = self._table(table.year + 1)
        if offset == 0:
            return _to_utc_datetime(table.closes[target])
        return _to_utc_datetime(table.opens[target] + min(offset, table.lengths[target]))

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Return the office time, in seconds, between ``start`` and ``end``.

        Partial days at both ends count exactly; time outside office hours counts as
        zero. The result is negative if ``end`` is before ``start``. For any ``start``,
        ``working_seconds_between(start, add_working_hours(start, h))`` equals
        ``h * 3600`` to within a microsecond.
        """
        start_us = self._to_us(start, "start")
        end_us = self._to_us(end, "end")
        if end_us < start_us:
            return -self._working_us(end_us, start_us) / _US_PER_SECOND
        return self._working_us(start_us, end_us) / _US_PER_SECOND

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Return the office time between ``start`` and ``end`` in working days.

        Each working day counts as 1 when fully covered and as the covered share of its
        own length otherwise, so four hours on a Monday (8 hours) count 0.5 and so do
        4.25 hours on a Friday (8.5 hours). The result is negative if ``end`` is before
        ``start``.
        """
        start_us = self._to_us(start, "start")
        end_us = self._to_us(end, "end")
        if end_us < start_us:
            return -self._working_days(end_us, start_us)
        return self._working_days(start_us, end_us)

    # Internals

    def _to_us(self, moment: datetime, name: str) -> int:
        if not isinstance(moment, datetime):
            raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(
                f"{name} must be timezone-aware, got naive datetime {moment.isoformat()}; "
                "attach a tzinfo, e.g. datetime.now(timezone.utc)"
            )
        return (moment - _EPOCH) // _ONE_US

    def _local_date(self, day: date) -> date:
        if isinstance(day, datetime):
            if day.tzinfo is None or day.utcoffset() is None:
                raise ValueError(
                    f"a datetime passed as a day must be timezone-aware, got {day.isoformat()}"
                )
            return day.astimezone(self._tz).date()
        if not isinstance(day, date):
            raise TypeError(f"day must be a date, got {type(day).__name__}")
        return day

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        if table is not None:
            return table
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"year {year} is outside the supported range {MIN_YEAR}..{MAX_YEAR}")
        with self._lock:
            # Another thread may have built it while this one waited for the lock.
            table = self._tables.get(year)
            if table is None:
                table = self._build_year(year)
                self._tables[year] = table
        return table

    def _build_year(self, year: int) -> _YearTable:
        national = holidays.country_holidays(
            _COUNTRY, years=year, categories=self._categories, language=self._language
        )
        names: dict[date, str] = dict(national.items())
        if not names and year > national.end_year:
            logger.warning(
                "no national holiday data for %d (holidays package ends in %d); "
                "only weekends and extra holidays are excluded",
                year,
                national.end_year,
            )
        for day, name in self._extra.items():
            if day.year == year:
                names.setdefault(day, name)

        opens: list[int] = []
        closes: list[int] = []
        lengths: list[int] = []
        cum_end: list[int] = []
        running = 0
        day = date(year, 1, 1)
        one_day = timedelta(days=1)
        while day.year == year:
            span = self._hours.get(day.weekday())
            if span is not None and day not in names:
                open_us = _local_to_us(day, span[0], self._tz)
                close_us = _local_to_us(day, span[1], self._tz)
                # A DST jump inside office hours could in theory swallow them whole;
                # such a day simply has no working time.
                if close_us > open_us:
                    length = close_us - open_us
                    running += length
                    opens.append(open_us)
                    closes.append(close_us)
                    lengths.append(length)
                    cum_end.append(running)
            day += one_day
        logger.debug("built working calendar table for %d: %d working days", year, len(opens))
        return _YearTable(
            year=year,
            opens=opens,
            closes=closes,
            lengths=lengths,
            cum_end=cum_end,
            total=running,
            holiday_names=names,
        )

    def _year_of(self, instant_us: int) -> int:
        index = bisect_right(self._year_starts, instant_us) - 1
        if index < 0 or index >= len(self._year_starts) - 1:
            raise ValueError(
                f"{_to_utc_datetime(instant_us).isoformat()} is outside the supported "
                f"years {MIN_YEAR}..{MAX_YEAR}"
            )
        return MIN_YEAR + index

    def _locate(self, instant_us: int) -> tuple[int, int]:
        """Return (year, office time from the start of that year to ``instant_us``)."""
        year = self._year_of(instant_us)
        table = self._table(year)
        k = bisect_right(table.opens, instant_us) - 1
        if k < 0:
            return year, 0
        return year, table.start_of(k) + min(instant_us - table.opens[k], table.lengths[k])

    def _day_at_or_after(self, year: int, pos: int) -> tuple[int, int, int]:
        """Return (year, working day index, offset into it) where office time ``pos`` resumes.

        A position at a day's close resumes at the next working day's opening, so the
        offset is always strictly less than that day's length.
        """
        table = self._table(year)
        while True:
            k = bisect_right(table.cum_end, pos)
            if k < table.day_count:
                return table.year, k, pos - table.start_of(k)
            table = self._table(table.year + 1)
            pos = 0

    def _working_us(self, start_us: int, end_us: int) -> int:
        start_year, start_pos = self._locate(start_us)
        end_year, end_pos = self._locate(end_us)
        total = end_pos - start_pos
        for year in range(start_year, end_year):
            total += self._table(year).total
        return total

    def _day_position(self, instant_us: int) -> tuple[int, float]:
        """Return (year, working days elapsed in that year up to ``instant_us``)."""
        year = self._year_of(instant_us)
        table = self._table(year)
        k = bisect_right(table.opens, instant_us) - 1
        if k < 0:
            return year, 0.0
        length = table.lengths[k]
        return year, k + min(instant_us - table.opens[k], length) / length

    def _working_days(self, start_us: int, end_us: int) -> float:
        start_year, start_pos = self._day_position(start_us)
        end_year, end_pos = self._day_position(end_us)
        total = end_pos - start_pos
        for year in range(start_year, end_year):
            total += self._table(year).day_count
        return total
