"""The cohort's counts: one grouped scan, added up in Python for every breakdown.

SQL groups the cohort by (unit, category, channel, kind) — a few hundred rows
at most — and :func:`grouped` adds those rows up for the total and each
breakdown, so every count and rate of the report comes from that one scan.
The complaints overdue depend on the moment, so they are counted apart
(:func:`overdue_by`, :func:`overdue_after`) and never stored with the rest.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, text

from complaints.extensions import db
from complaints.models import DURATIONS_MISSING, Channel, Complaint, Kind, Status

from .periods import WAITING, Period, Scope, checked_at, cohort, completed, due, publicly_listed

# A unit with fewer complaints is flagged ``low_count``: a rate from two
# complaints is not a league-table result.
MIN_COUNT = 5

COUNT_NAMES = (
    "received",
    "verified",
    "rejected",
    "merged",
    "completed",
    "completed_on_time",
    "checked",
    "checked_on_time",
    "responded",
    "responded_on_time",
    "overdue",
    "ever_resolved",
    "reopened",
    "reopens",
    "confirmed",
    "disputed",
    "auto_closed",
    "published",
    "durations_not_stored",
)

KEYS = (Complaint.unit_id, Complaint.category_id, Complaint.channel, Complaint.kind)
# A grouped row: unit id, category id, channel, kind, then {figure: count}.
CountRow = list[Any]


def n(condition: ColumnElement[bool]) -> Any:
    """How many rows of the group meet ``condition``."""
    return func.sum(case((condition, 1), else_=0))


def count_columns(period: Period) -> dict[str, Any]:
    """The grouped scan's columns: functions of the complaints alone, never of the moment."""
    c = Complaint
    done = completed(period)
    checked = checked_at()
    return {
        "received": func.count(),
        "verified": n(c.verified_at.is_not(None)),
        "rejected": n(c.status == Status.REJECTED.value),
        "merged": n(c.status == Status.MERGED.value),
        "completed": n(done),
        "completed_on_time": n(and_(done, c.resolved_at <= c.resolve_due_at)),
        "checked": n(checked.is_not(None)),
        "checked_on_time": n(checked <= c.verify_due_at),
        "responded": n(c.first_response_at.is_not(None)),
        "responded_on_time": n(c.first_response_at <= c.response_due_at),
        "ever_resolved": n(c.resolved_at.is_not(None)),
        "reopened": n(c.reopened_count > 0),
        "reopens": func.sum(c.reopened_count),
        "confirmed": n(c.citizen_confirmed.is_(True)),
        "disputed": n(c.citizen_confirmed.is_(False)),
        "auto_closed": n(and_(c.status == Status.CLOSED.value, c.citizen_confirmed.is_(None))),
        "published": n(publicly_listed()),
        # Left out of the duration figures until `flask report backfill-durations`.
        "durations_not_stored": n(text(DURATIONS_MISSING)),  # type: ignore[arg-type]
    }


def rate(part: int, whole: int) -> float | None:
    """A ratio from 0 to 1 rounded to four decimals; None with a zero denominator."""
    return round(part / whole, 4) if whole else None


def with_rates(counts: Counter[str]) -> dict[str, Any]:
    """A breakdown row's counts with its rates (``actionable``: not rejected, not merged)."""
    figures: dict[str, Any] = {name: int(counts[name]) for name in COUNT_NAMES}
    actionable = figures["received"] - figures["rejected"] - figures["merged"]
    figures["actionable"] = actionable
    figures["completion_rate"] = rate(figures["completed"], actionable)
    figures["on_time_rate"] = rate(figures["completed_on_time"], figures["completed"])
    figures["check_on_time_rate"] = rate(figures["checked_on_time"], figures["checked"])
    figures["response_on_time_rate"] = rate(figures["responded_on_time"], figures["responded"])
    figures["reopened_rate"] = rate(figures["reopened"], figures["ever_resolved"])
    figures["low_count"] = figures["received"] < MIN_COUNT
    return figures


def count_rows(period: Period, scope: Scope) -> list[CountRow]:
    """The cohort's counts per (unit, category, channel, kind): a few hundred rows."""
    columns = count_columns(period)
    query = (
        select(*KEYS, *(value.label(name) for name, value in columns.items()))
        .where(cohort(period, scope))
        .group_by(*KEYS)
    )
    return [
        [*row[:4], {name: int(row[4 + index] or 0) for index, name in enumerate(columns)}]
        for row in db.session.execute(query)
    ]


def overdue_by(period: Period, scope: Scope, at: datetime) -> tuple[list[CountRow], str | None]:
    """The cohort's complaints overdue at ``at``, and where the later deadlines start.

    Returns the grouped counts of waiting complaints whose deadline passed
    before ``at`` (they stay overdue for as long as they wait), and the
    earliest ``created_at`` (ISO) of those whose deadline is ``at`` or later
    (None when there is none): :func:`overdue_after` reads only from there.
    """
    deadline = due()
    query = (
        select(
            *KEYS,
            n(deadline < at),
            func.min(case((deadline >= at, Complaint.created_at), else_=None)),
        )
        .where(Complaint.status.in_(WAITING), cohort(period, scope))
        .group_by(*KEYS)
    )
    rows, starts = [], []
    for row in db.session.execute(query):
        if row[4]:
            rows.append([*row[:4], {"overdue": int(row[4])}])
        if row[5] is not None:
            starts.append(row[5])
    return rows, min(starts).isoformat() if starts else None


def overdue_after(
    period: Period, scope: Scope, at: datetime, since: datetime, now: datetime
) -> list[CountRow]:
    """Waiting complaints of the cohort whose deadline is from ``at`` to before ``now``.

    ``since`` (from :func:`overdue_by`) bounds the ``created_at`` range read:
    for an ended period, only the complaints received near its end.
    """
    deadline = due()
    query = (
        select(*KEYS, func.count())
        .where(
            Complaint.status.in_(WAITING),
            cohort(period, scope),
            Complaint.created_at >= since,
            deadline >= at,
            deadline < now,
        )
        .group_by(*KEYS)
    )
    return [[*row[:4], {"overdue": int(row[4])}] for row in db.session.execute(query)]


@dataclass
class Groups:
    """The grouped scan's rows added up per breakdown."""

    total: Counter[str]
    by_unit: dict[int | None, Counter[str]]
    by_category: dict[int, Counter[str]]
    by_channel: dict[str, Counter[str]]
    by_kind: dict[str, Counter[str]]
    lapor: Counter[str]


def grouped(rows: list[CountRow]) -> Groups:
    groups = Groups(Counter(), defaultdict(Counter), defaultdict(Counter), {}, {}, Counter())
    for channel in Channel:
        groups.by_channel[channel.value] = Counter()
    for kind in Kind:
        groups.by_kind[kind.value] = Counter()
    # A loop over groups (a few hundred rows at most), not over complaints.
    for unit_id, category_id, channel, kind, figures in rows:
        counts: Counter[str] = Counter(figures)
        groups.total.update(counts)
        groups.by_unit[unit_id].update(counts)
        groups.by_category[category_id].update(counts)
        groups.by_channel.setdefault(channel, Counter()).update(counts)
        groups.by_kind.setdefault(kind, Counter()).update(counts)
        if channel == Channel.LAPOR:
            groups.lapor.update(counts)
    return groups
