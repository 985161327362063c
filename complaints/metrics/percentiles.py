"""Duration figures: count, mean, median and 90th percentile of the stored working seconds.

Per unit, category, channel and kind, and in total, for the three durations
the workflow stores (:mod:`complaints.durations`). Each database gets the one
way it does this fastest:

* PostgreSQL: one statement, ``GROUPING SETS`` with ``percentile_cont``,
  exact to the second;
* SQLite has neither ordered-set aggregates nor ``GROUPING SETS``: per
  duration, one grouped scan counts the values per whole minute and
  combination of the breakdown columns, and Python merges these buckets into
  one histogram per group and reads the percentiles from it. The count and
  the mean are exact; the median and the 90th percentile exact to the minute.

Percentiles interpolate linearly between the closest ranks, like
``percentile_cont``. Why not histograms on PostgreSQL too: ``bench/README.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Float, and_, case, func, literal_column, select, tuple_

from complaints.extensions import db
from complaints.models import Complaint

from .periods import Period, Scope, cohort, completed

MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)
MEASURE_NAMES = ("check", "response", "resolve")

# The breakdowns of every figure: name in the summaries' keys -> grouping column.
BREAKDOWNS = {
    "unit": Complaint.unit_id,
    "category": Complaint.category_id,
    "channel": Complaint.channel,
    "kind": Complaint.kind,
}


@dataclass(frozen=True)
class Measure:
    """One duration: its stored column, and the rows it counts over."""

    name: str
    stored: Any
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

# (measure name, breakdown name, key) -> summary; breakdown "total" has key None.
Summaries = dict[tuple[str, str, Any], Summary]


def _hours(seconds: float | None) -> float | None:
    return round(seconds / 3600, 2) if seconds is not None else None


def measures(period: Period, scope: Scope) -> list[Measure]:
    """To check and to first response over the cohort; to resolve over its completed ones."""
    rows = cohort(period, scope)
    c = Complaint
    return [
        Measure("check", c.check_working_seconds, rows),
        Measure("response", c.response_working_seconds, rows),
        Measure("resolve", c.resolve_working_seconds, and_(rows, completed(period))),
    ]


def duration_summaries(period: Period, scope: Scope) -> Summaries:
    """Every duration's summary per breakdown over the period's cohort."""
    return summaries(measures(period, scope), BREAKDOWNS, cohort(period, scope))


def summaries(
    measured: Sequence[Measure], breakdowns: Mapping[str, Any], rows: ColumnElement[bool]
) -> Summaries:
    """Each measure's summary per value of each breakdown column, and in total.

    ``breakdowns`` names the grouping columns (``{"unit": Complaint.unit_id, …}``);
    ``rows`` selects the complaints looked at (each measure narrows it with its
    own ``where``); a row without a stored value is not counted.
    """
    found: Summaries = {}
    if db.session.get_bind().dialect.name == "postgresql":
        values = {
            measure.name: case((measure.where, measure.stored), else_=None) for measure in measured
        }
        _postgresql_summaries(values, rows, breakdowns, found)
        return found
    for measure in measured:
        # The measure's rows in the WHERE clause, not a CASE around the value:
        # SQLite would evaluate it in the WHERE, the GROUP BY and each aggregate.
        counted = and_(rows, measure.where, measure.stored.is_not(None))
        for (breakdown, key), histogram in _histograms(measure.stored, counted, breakdowns).items():
            found[(measure.name, breakdown, key)] = histogram.summary()
    return found


def _postgresql_summaries(
    values: Mapping[str, Any],
    rows: ColumnElement[bool],
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

    It counts per minute and combination of the breakdown columns (a "cell":
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
