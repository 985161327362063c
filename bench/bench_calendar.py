"""Micro-benchmark of sla.calendar.WorkingCalendar.

Run from the repository root: ``.venv/bin/python bench/bench_calendar.py``
(``--repeats 1`` for a quick look, as the test suite runs it).

Prints the median time per call of the operations that run for every complaint and in
the SLA sweep, against a 50 µs per-call target. Exits 0 whatever the numbers; the table
is for people to read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_US = 50.0
REPEATS = 7
WARMUP_CALLS = 1_000


def median_us_per_call(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Return the median over ``repeats`` runs of the time per call, in microseconds."""
    for _ in range(WARMUP_CALLS):
        func()
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    runs = timer.repeat(repeat=repeats, number=number)
    return statistics.median(runs) / number * 1e6


def main() -> int:
    """Time the calendar operations and print a table; always returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help="timed runs per operation (median of them)"
    )
    repeats = parser.parse_args().repeats
    # Imported here, after the path tweak, because a script run as bench/bench_calendar.py
    # has bench/ rather than the repository root on sys.path.
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from sla.calendar import WorkingCalendar

    wita = ZoneInfo("Asia/Makassar")
    cal = WorkingCalendar()
    start = datetime(2026, 3, 10, 10, 30, tzinfo=wita)
    year_later = datetime(2027, 3, 9, 14, 15, tzinfo=wita)

    # Build the year tables up front so the timings show steady-state cost.
    cal.add_working_days(start, 500)

    cases: list[tuple[str, Callable[[], object]]] = [
        ("add_working_days(t, 60)", lambda: cal.add_working_days(start, 60)),
        ("add_working_hours(t, 37.5)", lambda: cal.add_working_hours(start, 37.5)),
        (
            "working_seconds_between (~1 year)",
            lambda: cal.working_seconds_between(start, year_later),
        ),
        (
            "working_days_between (~1 year)",
            lambda: cal.working_days_between(start, year_later),
        ),
        ("next_working_instant(t)", lambda: cal.next_working_instant(start)),
    ]

    name_width = max(len(name) for name, _ in cases)
    header = f"{'operation':<{name_width}}  {'median µs/call':>14}  {'target µs':>9}  status"
    print(header)
    print("-" * len(header))
    for name, func in cases:
        median = median_us_per_call(func, repeats)
        status = "ok" if median <= TARGET_US else "over"
        print(f"{name:<{name_width}}  {median:>14.2f}  {TARGET_US:>9.0f}  {status}")

    # First use of a year builds its table; show that one-off cost too.
    fresh = WorkingCalendar()
    fresh.add_working_days(start, 1)  # loads the holidays package's data once
    build = timeit.timeit(lambda: WorkingCalendar().add_working_days(start, 1), number=20)
    print(f"\none-off: new calendar + first year table built: {build / 20 * 1e3:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
