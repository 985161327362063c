"""Tests for sla.calendar: working-time arithmetic for complaint deadlines.

Dates used (Asia/Makassar, from holidays 0.108):
* 2026-08-17 Independence Day is a Monday.
* Idul Fitri 2026 is Sat 21 and Sun 22 March; collective leave is Fri 20, Mon 23 and
  Tue 24 March, and Wed 18 (collective leave) plus Thu 19 (Nyepi) precede it.
* Idul Fitri 2025 is Mon 31 March and Tue 1 April; collective leave is Fri 28 March
  (Nyepi), Wed 2, Thu 3, Fri 4 and Mon 7 April.
* Christmas 2026: Thu 24 December is collective leave, Fri 25 December is Christmas.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import DEFAULT_OFFICE_HOURS, MAX_YEAR, MIN_YEAR, WorkingCalendar

WITA = ZoneInfo("Asia/Makassar")
WIB = ZoneInfo("Asia/Jakarta")

# One microsecond, the calendar's resolution, as float seconds.
ONE_US = 1e-6


def wita(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """Build an aware datetime in the default office time zone."""
    return datetime(year, month, day, hour, minute, second, tzinfo=WITA)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.fixture(scope="module")
def cal_without_leave() -> WorkingCalendar:
    return WorkingCalendar(collective_leave=False)


# Reference implementations: deliberately naive, day by day, for cross-checking.


def reference_working_seconds(cal: WorkingCalendar, start: datetime, end: datetime) -> float:
    tz = WITA
    total = timedelta(0)
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    while day <= last:
        if cal.is_working_day(day):
            opening, closing = DEFAULT_OFFICE_HOURS[day.weekday()]
            lo = max(start, datetime.combine(day, opening, tzinfo=tz))
            hi = min(end, datetime.combine(day, closing, tzinfo=tz))
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds()


def reference_add_working_days(cal: WorkingCalendar, start: datetime, days: int) -> datetime:
    tz = WITA

    def bounds(day: date) -> tuple[datetime, datetime]:
        opening, closing = DEFAULT_OFFICE_HOURS[day.weekday()]
        return (
            datetime.combine(day, opening, tzinfo=tz),
            datetime.combine(day, closing, tzinfo=tz),
        )

    local = start.astimezone(tz)
    day = local.date()
    while True:
        if cal.is_working_day(day):
            opening, closing = bounds(day)
            if local <= opening:
                elapsed = timedelta(0)
                break
            if local < closing:
                elapsed = local - opening
                break
        day += timedelta(days=1)
    if elapsed == timedelta(0):
        counted = 1
        while counted < days:
            day += timedelta(days=1)
            counted += cal.is_working_day(day)
        return bounds(day)[1]
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        counted += cal.is_working_day(day)
    opening, closing = bounds(day)
    return opening + min(elapsed, closing - opening)


def random_instant(rng: random.Random, first: datetime, last: datetime) -> datetime:
    span_us = int((last - first) / timedelta(microseconds=1))
    return first + timedelta(microseconds=rng.randrange(span_us))


def random_office_instant(rng: random.Random, cal: WorkingCalendar) -> datetime:
    while True:
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        if cal.is_working_day(day):
            opening, closing = DEFAULT_OFFICE_HOURS[day.weekday()]
            start = datetime.combine(day, opening, tzinfo=WITA)
            length = datetime.combine(day, closing, tzinfo=WITA) - start
            return start + timedelta(
                microseconds=rng.randrange(length // timedelta(microseconds=1))
            )


# Office hours and weekends


def test_default_office_hours_are_eight_to_four_and_half_past_four_on_friday() -> None:
    assert {
        0: (time(8), time(16)),
        1: (time(8), time(16)),
        2: (time(8), time(16)),
        3: (time(8), time(16)),
        4: (time(8), time(16, 30)),
    } == DEFAULT_OFFICE_HOURS


def test_weekends_are_not_working_days(cal: WorkingCalendar) -> None:
    assert not cal.is_working_day(date(2026, 11, 28))  # Saturday
    assert not cal.is_working_day(date(2026, 11, 29))  # Sunday


def test_ordinary_weekdays_are_working_days(cal: WorkingCalendar) -> None:
    monday_to_friday = [date(2026, 11, 30)] + [date(2026, 12, day) for day in range(1, 5)]
    assert all(cal.is_working_day(day) for day in monday_to_friday)


def test_a_weekend_contributes_no_working_time(cal: WorkingCalendar) -> None:
    assert cal.working_seconds_between(wita(2026, 11, 28, 9), wita(2026, 11, 29, 18)) == 0.0
    assert cal.working_seconds_between(wita(2026, 11, 27, 16), wita(2026, 11, 30, 9)) == 5400.0


def test_results_are_in_utc(cal: WorkingCalendar) -> None:
    result = cal.add_working_days(wita(2026, 11, 30, 10), 3)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    assert cal.next_working_instant(wita(2026, 11, 30, 10)).tzinfo is UTC
    assert cal.add_working_hours(wita(2026, 11, 30, 10), 1).tzinfo is UTC


# The add_working_days semantics examples


def test_monday_ten_plus_three_working_days_is_thursday_ten(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(wita(2026, 11, 30, 10), 3) == wita(2026, 12, 3, 10)


def test_monday_evening_plus_three_working_days_is_thursday_closing(
    cal: WorkingCalendar,
) -> None:
    assert cal.add_working_days(wita(2026, 11, 30, 20), 3) == wita(2026, 12, 3, 16)


def test_friday_ten_plus_one_working_day_is_next_monday_ten(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(wita(2026, 11, 27, 10), 1) == wita(2026, 11, 30, 10)


def test_a_start_at_opening_gets_full_working_days(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(wita(2026, 11, 30, 8), 1) == wita(2026, 11, 30, 16)
    assert cal.add_working_days(wita(2026, 11, 30, 8), 5) == datetime(
        2026, 12, 4, 16, 30, tzinfo=WITA
    )


def test_a_late_friday_start_is_capped_at_the_shorter_days_closing(
    cal: WorkingCalendar,
) -> None:
    friday_late = datetime(2026, 11, 27, 16, 15, tzinfo=WITA)
    assert cal.add_working_days(friday_late, 1) == wita(2026, 11, 30, 16)
    assert cal.add_working_days(friday_late, 5) == datetime(2026, 12, 4, 16, 15, tzinfo=WITA)


def test_zero_working_days_or_hours_is_the_next_working_instant(cal: WorkingCalendar) -> None:
    for start in (wita(2026, 11, 30, 10), wita(2026, 11, 30, 16), wita(2026, 11, 28, 12)):
        expected = cal.next_working_instant(start)
        assert cal.add_working_days(start, 0) == expected
        assert cal.add_working_hours(start, 0) == expected
    assert cal.add_working_days(wita(2026, 11, 28, 12), 0) == wita(2026, 11, 30, 8)


# National holidays


def test_independence_day_2026_is_a_monday_holiday(cal: WorkingCalendar) -> None:
    assert date(2026, 8, 17).weekday() == 0
    assert not cal.is_working_day(date(2026, 8, 17))
    assert cal.holiday_name(date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"


def test_a_deadline_skips_independence_day(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(wita(2026, 8, 14, 10), 1) == wita(2026, 8, 18, 10)
    assert cal.add_working_hours(wita(2026, 8, 14, 15), 2) == wita(2026, 8, 18, 8, 30)


def test_an_ordinary_day_has_no_holiday_name(cal: WorkingCalendar) -> None:
    assert cal.holiday_name(date(2026, 11, 30)) is None


def test_holiday_names_can_be_in_english() -> None:
    english = WorkingCalendar(language="en_US")
    assert english.holiday_name(date(2026, 8, 17)) == "Independence Day"
    assert english.holiday_name(date(2026, 3, 23)) == "Eid al-Fitr Joint Holiday"


# Idul Fitri and collective leave (cuti bersama)


def test_idul_fitri_2026_and_its_collective_leave_close_the_office_for_a_week(
    cal: WorkingCalendar,
) -> None:
    closed = [date(2026, 3, day) for day in range(18, 25)]
    assert not any(cal.is_working_day(day) for day in closed)
    assert cal.is_working_day(date(2026, 3, 17))
    assert cal.is_working_day(date(2026, 3, 25))
    assert cal.holiday_name(date(2026, 3, 21)) == "Hari Raya Idul Fitri"
    assert cal.holiday_name(date(2026, 3, 23)) == "Cuti Bersama Hari Raya Idul Fitri"


def test_a_deadline_skips_idul_fitri_2026_collective_leave(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(wita(2026, 3, 17, 10), 1) == wita(2026, 3, 25, 10)
    assert cal.add_working_hours(wita(2026, 3, 17, 14), 4) == wita(2026, 3, 25, 10)
    seconds = cal.working_seconds_between(wita(2026, 3, 17, 8), wita(2026, 3, 26, 8))
    assert seconds == 2 * 8 * 3600


def test_without_collective_leave_only_national_holidays_count(
    cal_without_leave: WorkingCalendar,
) -> None:
    cal = cal_without_leave
    assert cal.is_working_day(date(2026, 3, 18))
    assert not cal.is_working_day(date(2026, 3, 19))  # Nyepi
    assert cal.is_working_day(date(2026, 3, 20))
    assert cal.is_working_day(date(2026, 3, 23))
    assert cal.holiday_name(date(2026, 3, 23)) is None
    assert cal.add_working_days(wita(2026, 3, 17, 10), 1) == wita(2026, 3, 18, 10)
    assert cal.add_working_days(wita(2026, 3, 17, 10), 2) == wita(2026, 3, 20, 10)
    assert cal.add_working_days(wita(2026, 3, 17, 10), 3) == wita(2026, 3, 23, 10)


def test_a_deadline_skips_idul_fitri_2025_collective_leave(cal: WorkingCalendar) -> None:
    for day in (date(2025, 3, 28), date(2025, 3, 31), date(2025, 4, 1), date(2025, 4, 7)):
        assert not cal.is_working_day(day)
    assert cal.holiday_name(date(2025, 3, 31)) == "Hari Raya Idul Fitri"
    assert cal.holiday_name(date(2025, 4, 2)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert cal.add_working_days(wita(2025, 3, 27, 10), 1) == wita(2025, 4, 8, 10)


def test_idul_fitri_2025_without_collective_leave_skips_only_the_two_feast_days(
    cal_without_leave: WorkingCalendar,
) -> None:
    cal = cal_without_leave
    assert cal.add_working_days(wita(2025, 3, 27, 10), 1) == wita(2025, 3, 28, 10)
    assert cal.add_working_days(wita(2025, 3, 27, 10), 2) == wita(2025, 4, 2, 10)


# Long weekends and year ends


def test_a_deadline_crosses_the_christmas_long_weekend(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(wita(2026, 12, 23, 14), 1) == wita(2026, 12, 28, 14)
    assert cal.add_working_hours(wita(2026, 12, 23, 14), 4) == wita(2026, 12, 28, 10)
    assert cal.working_seconds_between(wita(2026, 12, 23, 15), wita(2026, 12, 28, 9)) == 7200.0


def test_a_deadline_crosses_the_ascension_long_weekend(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(wita(2026, 5, 13, 10), 1) == wita(2026, 5, 18, 10)


def test_a_deadline_crosses_new_year_and_isra_mikraj(cal: WorkingCalendar) -> None:
    # 1 Jan 2027 (Friday) is New Year's Day and 5 Jan 2027 (Tuesday) is Isra Mikraj.
    assert cal.add_working_days(wita(2026, 12, 30, 10), 3) == wita(2027, 1, 6, 10)
    seconds = cal.working_seconds_between(wita(2026, 12, 31, 12), wita(2027, 1, 4, 12))
    assert seconds == 8 * 3600


# Office-hours boundaries


def test_an_instant_exactly_at_opening_is_inside_office_hours(cal: WorkingCalendar) -> None:
    assert cal.next_working_instant(wita(2026, 11, 30, 8)) == wita(2026, 11, 30, 8)
    assert cal.add_working_hours(wita(2026, 11, 30, 8), 1) == wita(2026, 11, 30, 9)


def test_an_instant_exactly_at_closing_is_outside_office_hours(cal: WorkingCalendar) -> None:
    assert cal.next_working_instant(wita(2026, 11, 30, 16)) == wita(2026, 12, 1, 8)
    assert cal.add_working_hours(wita(2026, 11, 30, 16), 1) == wita(2026, 12, 1, 9)
    assert cal.add_working_days(wita(2026, 11, 30, 16), 1) == wita(2026, 12, 1, 16)


def test_hours_that_run_out_at_closing_end_at_the_closing_instant(cal: WorkingCalendar) -> None:
    assert cal.add_working_hours(wita(2026, 11, 30, 8), 8) == wita(2026, 11, 30, 16)
    assert cal.add_working_hours(wita(2026, 11, 30, 15), 1) == wita(2026, 11, 30, 16)
    assert cal.add_working_hours(wita(2026, 11, 30, 15), 1.5) == datetime(
        2026, 12, 1, 8, 30, tzinfo=WITA
    )


def test_friday_closes_at_half_past_four(cal: WorkingCalendar) -> None:
    friday_close = datetime(2026, 11, 27, 16, 30, tzinfo=WITA)
    assert cal.next_working_instant(wita(2026, 11, 27, 16)) == wita(2026, 11, 27, 16)
    assert cal.next_working_instant(friday_close) == wita(2026, 11, 30, 8)
    assert cal.add_working_hours(wita(2026, 11, 27, 8), 8.5) == friday_close
    assert cal.add_working_hours(wita(2026, 11, 27, 16), 1) == datetime(
        2026, 11, 30, 8, 30, tzinfo=WITA
    )
    assert cal.working_seconds_between(wita(2026, 11, 27, 16), wita(2026, 11, 27, 17)) == 1800.0


def test_partial_days_at_both_ends_count_exactly(cal: WorkingCalendar) -> None:
    start = datetime(2026, 11, 30, 15, 59, 59, 999_999, tzinfo=WITA)
    end = datetime(2026, 12, 1, 8, 0, 0, 1, tzinfo=WITA)
    assert cal.working_seconds_between(start, end) == pytest.approx(2e-6, abs=1e-12)
    assert cal.working_seconds_between(wita(2026, 11, 30, 7), wita(2026, 11, 30, 16)) == 28800.0
    assert cal.working_seconds_between(wita(2026, 11, 30, 10), wita(2026, 11, 30, 10)) == 0.0


# Instants outside office hours


def test_an_early_morning_start_counts_from_opening(cal: WorkingCalendar) -> None:
    early = datetime(2026, 12, 1, 5, 30, tzinfo=WITA)
    assert cal.next_working_instant(early) == wita(2026, 12, 1, 8)
    assert cal.add_working_hours(early, 2) == wita(2026, 12, 1, 10)
    assert cal.add_working_days(early, 1) == wita(2026, 12, 1, 16)


def test_an_evening_start_counts_from_the_next_morning(cal: WorkingCalendar) -> None:
    evening = wita(2026, 12, 2, 19)
    assert cal.next_working_instant(evening) == wita(2026, 12, 3, 8)
    assert cal.add_working_hours(evening, 1) == wita(2026, 12, 3, 9)


def test_a_saturday_start_counts_from_monday_morning(cal: WorkingCalendar) -> None:
    saturday = wita(2026, 11, 28, 11)
    assert cal.next_working_instant(saturday) == wita(2026, 11, 30, 8)
    assert cal.add_working_days(saturday, 1) == wita(2026, 11, 30, 16)
    assert cal.add_working_hours(saturday, 9) == wita(2026, 12, 1, 9)


# Extra (regional) holidays


def test_extra_holidays_are_not_working_days_and_have_a_label() -> None:
    cal = WorkingCalendar(extra_holidays=[date(2026, 12, 1)])
    assert not cal.is_working_day(date(2026, 12, 1))
    assert cal.holiday_name(date(2026, 12, 1)) == "Libur daerah"
    assert cal.add_working_days(wita(2026, 11, 30, 10), 1) == wita(2026, 12, 2, 10)
    assert cal.working_seconds_between(wita(2026, 11, 30, 8), wita(2026, 12, 3, 8)) == 16 * 3600


def test_extra_holidays_given_as_a_mapping_keep_their_names() -> None:
    cal = WorkingCalendar(extra_holidays={date(2026, 12, 1): "Libur daerah khusus"})
    assert cal.holiday_name(date(2026, 12, 1)) == "Libur daerah khusus"
    assert not cal.is_working_day(date(2026, 12, 1))


def test_a_national_holiday_name_wins_over_an_extra_holiday_on_the_same_day() -> None:
    cal = WorkingCalendar(extra_holidays=[date(2026, 8, 17)])
    assert cal.holiday_name(date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"


def test_extra_holidays_must_be_plain_dates() -> None:
    with pytest.raises(TypeError, match=r"datetime\.date"):
        WorkingCalendar(extra_holidays=[datetime(2026, 12, 1, tzinfo=WITA)])


# Time zones


def test_jakarta_office_hours_shift_the_utc_result_by_one_hour(cal: WorkingCalendar) -> None:
    jakarta = WorkingCalendar(timezone="Asia/Jakarta")
    # 14:00 UTC is 22:00 in Makassar and 21:00 in Jakarta: after hours in both.
    start = datetime(2026, 11, 30, 14, tzinfo=UTC)
    assert cal.add_working_days(start, 3) == datetime(2026, 12, 3, 8, tzinfo=UTC)
    assert jakarta.add_working_days(start, 3) == datetime(2026, 12, 3, 9, tzinfo=UTC)
    assert jakarta.add_working_days(start, 3) == datetime(2026, 12, 3, 16, tzinfo=WIB)


def test_inputs_in_any_time_zone_denote_the_same_instant(cal: WorkingCalendar) -> None:
    in_utc = datetime(2026, 11, 30, 2, tzinfo=UTC)  # 10:00 WITA
    in_jakarta = datetime(2026, 11, 30, 9, tzinfo=WIB)  # 10:00 WITA
    expected = wita(2026, 12, 3, 10)
    assert cal.add_working_days(in_utc, 3) == expected
    assert cal.add_working_days(in_jakarta, 3) == expected


def test_an_aware_datetime_stands_for_its_local_date(cal: WorkingCalendar) -> None:
    # 16 Aug 20:00 UTC is already 17 Aug 04:00 in Makassar.
    assert not cal.is_working_day(datetime(2026, 8, 16, 20, tzinfo=UTC))
    assert cal.holiday_name(datetime(2026, 8, 16, 20, tzinfo=UTC)) is not None


def test_a_daylight_saving_zone_keeps_wall_clock_office_hours() -> None:
    # Europe/Amsterdam moves from UTC+1 to UTC+2 on Sunday 29 March 2026.
    amsterdam = ZoneInfo("Europe/Amsterdam")
    cal = WorkingCalendar(timezone="Europe/Amsterdam")
    friday = datetime(2026, 3, 27, 10, tzinfo=amsterdam)
    assert cal.add_working_days(friday, 1) == datetime(2026, 3, 30, 8, tzinfo=UTC)
    seconds = cal.working_seconds_between(
        datetime(2026, 3, 27, 16, tzinfo=amsterdam), datetime(2026, 3, 30, 9, tzinfo=amsterdam)
    )
    assert seconds == 5400.0


def test_an_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus_Mons"):
        WorkingCalendar(timezone="Mars/Olympus_Mons")


# Invalid input


NAIVE = datetime(2026, 11, 30, 10)
AWARE = wita(2026, 11, 30, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add_working_hours(NAIVE, 1),
        lambda c: c.add_working_days(NAIVE, 1),
        lambda c: c.next_working_instant(NAIVE),
        lambda c: c.working_seconds_between(NAIVE, AWARE),
        lambda c: c.working_seconds_between(AWARE, NAIVE),
        lambda c: c.working_days_between(NAIVE, AWARE),
        lambda c: c.is_working_day(NAIVE),
    ],
)
def test_a_naive_datetime_is_rejected(
    cal: WorkingCalendar, call: Callable[[WorkingCalendar], object]
) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(cal)


def test_negative_hours_and_days_are_rejected(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="hours"):
        cal.add_working_hours(AWARE, -1)
    with pytest.raises(ValueError, match="hours"):
        cal.add_working_hours(AWARE, float("nan"))
    with pytest.raises(ValueError, match="days"):
        cal.add_working_days(AWARE, -1)
    with pytest.raises(TypeError, match="days"):
        cal.add_working_days(AWARE, 1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "office_hours",
    [
        {},
        {0: (time(16), time(8))},
        {0: (time(8), time(8))},
        {7: (time(8), time(16))},
        {0: (time(8, tzinfo=UTC), time(16, tzinfo=UTC))},
    ],
)
def test_invalid_office_hours_are_rejected(office_hours: dict[int, tuple[time, time]]) -> None:
    with pytest.raises(ValueError, match="office_hours"):
        WorkingCalendar(office_hours=office_hours)


def test_custom_office_hours_are_honoured() -> None:
    saturday_only = WorkingCalendar(office_hours={5: (time(9), time(12))})
    assert not saturday_only.is_working_day(date(2026, 11, 30))
    assert saturday_only.is_working_day(date(2026, 11, 28))
    # Three hours on Saturday 5 December, the fourth on Saturday 12 December.
    assert saturday_only.add_working_hours(wita(2026, 11, 30, 10), 4) == wita(2026, 12, 12, 10)
    assert saturday_only.add_working_days(wita(2026, 11, 30, 10), 2) == wita(2026, 12, 12, 12)


def test_the_supported_years_are_1990_to_2200(cal: WorkingCalendar) -> None:
    assert (MIN_YEAR, MAX_YEAR) == (1990, 2200)
    # 1 January 1990 is New Year's Day, so a start then counts from Tuesday's opening.
    assert cal.add_working_days(wita(1990, 1, 1, 10), 1) == wita(1990, 1, 2, 16)
    assert cal.add_working_days(wita(1990, 1, 2, 10), 1) == wita(1990, 1, 3, 10)
    assert cal.is_working_day(date(2200, 12, 31))
    assert cal.add_working_days(wita(2200, 12, 29, 10), 1) == wita(2200, 12, 30, 10)
    with pytest.raises(ValueError, match="supported"):
        cal.add_working_days(wita(1989, 12, 29, 10), 1)
    with pytest.raises(ValueError, match="supported"):
        cal.add_working_days(wita(2200, 12, 31, 10), 1)
    with pytest.raises(ValueError, match="supported"):
        cal.is_working_day(date(2201, 1, 1))


# Working days as a fraction


def test_working_days_between_uses_each_days_own_length(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(wita(2026, 11, 30, 8), wita(2026, 11, 30, 12)) == 0.5
    friday_quarter_past_noon = datetime(2026, 11, 27, 12, 15, tzinfo=WITA)
    friday_close = datetime(2026, 11, 27, 16, 30, tzinfo=WITA)
    assert cal.working_days_between(friday_quarter_past_noon, friday_close) == 0.5
    assert cal.working_days_between(wita(2026, 11, 30, 8), wita(2026, 12, 7, 8)) == 5.0
    assert cal.working_days_between(
        wita(2026, 11, 30, 12), datetime(2026, 12, 4, 12, 15, tzinfo=WITA)
    ) == pytest.approx(4.0)


def test_working_days_between_skips_holidays_and_crosses_years(cal: WorkingCalendar) -> None:
    start = wita(2025, 12, 31, 12)
    end = datetime(2026, 1, 2, 12, 15, tzinfo=WITA)
    assert cal.working_days_between(start, end) == pytest.approx(1.0)
    assert cal.working_days_between(end, start) == pytest.approx(-1.0)


def test_elapsed_time_is_negative_when_end_precedes_start(cal: WorkingCalendar) -> None:
    start, end = wita(2026, 11, 27, 9), wita(2026, 12, 1, 11)
    forward = cal.working_seconds_between(start, end)
    assert forward == (7.5 + 8 + 3) * 3600
    assert cal.working_seconds_between(end, start) == -forward


# Properties over many random starts


def test_adding_hours_then_measuring_gives_the_same_hours_inside_office_hours(
    cal: WorkingCalendar,
) -> None:
    rng = random.Random(20261129)
    for _ in range(400):
        start = random_office_instant(rng, cal)
        hours = rng.choice([rng.uniform(0, 16), rng.uniform(0, 600), float(rng.randrange(100))])
        end = cal.add_working_hours(start, hours)
        assert abs(cal.working_seconds_between(start, end) - hours * 3600) <= ONE_US


def test_adding_hours_then_measuring_gives_the_same_hours_from_any_instant(
    cal: WorkingCalendar,
) -> None:
    rng = random.Random(7)
    for _ in range(300):
        start = random_instant(rng, wita(2025, 1, 1), wita(2028, 1, 1))
        hours = rng.uniform(0, 400)
        end = cal.add_working_hours(start, hours)
        assert abs(cal.working_seconds_between(start, end) - hours * 3600) <= ONE_US


def test_working_seconds_match_a_day_by_day_reference(cal: WorkingCalendar) -> None:
    rng = random.Random(42)
    for _ in range(300):
        start = random_instant(rng, wita(2025, 1, 1), wita(2027, 12, 1))
        end = start + timedelta(seconds=rng.uniform(0, 90 * 86400))
        assert cal.working_seconds_between(start, end) == reference_working_seconds(cal, start, end)


def test_working_days_match_a_day_by_day_reference(cal: WorkingCalendar) -> None:
    rng = random.Random(1945)
    for _ in range(300):
        start = random_instant(rng, wita(2025, 1, 1), wita(2027, 10, 1))
        days = rng.choice([1, 2, 3, 5, 7, 14, 30, 60])
        assert cal.add_working_days(start, days) == reference_add_working_days(cal, start, days)


def test_the_next_working_instant_is_never_earlier_and_is_inside_office_hours(
    cal: WorkingCalendar,
) -> None:
    rng = random.Random(99)
    for _ in range(200):
        moment = random_instant(rng, wita(2026, 1, 1), wita(2027, 1, 1))
        nxt = cal.next_working_instant(moment)
        local = nxt.astimezone(WITA)
        opening, closing = DEFAULT_OFFICE_HOURS[local.weekday()]
        assert nxt >= moment
        assert cal.is_working_day(local.date())
        assert opening <= local.time() < closing
        assert cal.working_seconds_between(moment, nxt) == 0.0


# Concurrency


def test_concurrent_first_use_builds_consistent_tables() -> None:
    cal = WorkingCalendar()
    results: list[datetime] = []
    lock = threading.Lock()

    def worker() -> None:
        value = cal.add_working_days(wita(2031, 12, 30, 10), 60)
        with lock:
            results.append(value)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert len(set(results)) == 1
