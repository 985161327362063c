"""The report's parts read from the complaints: most of its time, and what an ended period stores.

:func:`complaint_parts` gathers the grouped counts (:mod:`.counts`), the
duration summaries (:mod:`.percentiles`), the backlog at the period's end,
the archive check (complaints without events), the rejection reasons, the
escalations fired in the period and the complaints overdue at its end. For a
period that has ended they come from :mod:`.stored`; the report adds what
depends on the moment or on other tables at every request.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select

from complaints.extensions import db
from complaints.models import Complaint, ComplaintEvent, Escalation, Status
from sla.calendar import WorkingCalendar

from . import stored
from .counts import count_rows, overdue_by
from .percentiles import duration_summaries
from .periods import DONE, Period, Scope, cohort

# Backlog age buckets, in working days: under 3, 3–5, 5–14, 14–60, 60 and more.
AGE_EDGES = (3, 5, 14, 60)
AGE_BUCKETS = ("under_3", "3_to_5", "5_to_14", "14_to_60", "60_plus")
COMPLAINTS_PART = "complaints"


def complaint_parts(
    period: Period,
    scope: Scope,
    calendar: WorkingCalendar,
    at: datetime,
    *,
    now: datetime,
    fresh: bool = False,
) -> stored.Served:
    """The parts read from the complaints alone, at ``at`` (the period's end, or now).

    Grouped counts, duration summaries, the backlog at ``at``, the archive
    check, the rejection reasons, the escalations fired in the period, and
    the complaints overdue at ``at`` (the report adds those whose deadline
    fell between ``at`` and now). ``fresh``: read them from the complaints
    even if stored (and store them again).
    """
    edges = [aged_boundary(calendar, at, days) for days in AGE_EDGES]

    def compute() -> dict[str, Any]:
        found = duration_summaries(period, scope)
        result: dict[str, Any] = {
            "counts": count_rows(period, scope),
            "durations": [
                [name, breakdown, key, s.count, s.total_seconds, s.median_seconds, s.p90_seconds]
                for (name, breakdown, key), s in found.items()
            ],
            "backlog": backlog_rows(scope, at, edges),
            "undocumented": undocumented(period, scope),
            "rejections": rejection_reasons(period, scope),
            "escalations": escalations(period, scope),
        }
        result["overdue"], result["overdue_since"] = overdue_by(period, scope, at)
        return result

    # The edges follow the holiday calendar: a holiday added later is a new part.
    part = stored.Part(COMPLAINTS_PART, period, scope, tuple(edge.isoformat() for edge in edges))
    return stored.read(part, compute, now=now, fresh=fresh)


def aged_boundary(calendar: WorkingCalendar, at: datetime, working_days: int) -> datetime:
    """The latest instant that is at least ``working_days`` working days before ``at``.

    A bisection over the calendar's O(1) ``working_days_between`` (about 45
    steps to the microsecond): the backlog query then compares ``created_at``
    with a handful of instants instead of measuring every complaint's age.
    """
    older = at - timedelta(days=366)  # a year holds far more than 60 working days
    younger = at
    while younger - older > timedelta(microseconds=1):
        middle = older + (younger - older) / 2
        if calendar.working_days_between(middle, at) >= working_days:
            older = middle
        else:
            younger = middle
    return older


def backlog_rows(scope: Scope, at: datetime, edges: list[datetime]) -> list[list[Any]]:
    """What was still open at ``at``: [unit id, age bucket, count] rows.

    ``edges`` are :func:`aged_boundary` of each of :data:`AGE_EDGES` at ``at``.
    """
    c = Complaint
    open_then = or_(
        c.status.in_([Status.RECEIVED.value, Status.VERIFIED.value, Status.IN_PROGRESS.value]),
        and_(c.status.in_(DONE), c.resolved_at >= at),
        and_(c.status == Status.REJECTED.value, c.rejected_at >= at),
        and_(c.status == Status.MERGED.value, c.merged_at >= at),
    )
    bucket = case(
        *[
            (c.created_at > edge, label)
            for edge, label in zip(edges, AGE_BUCKETS[:-1], strict=True)
        ],
        else_=AGE_BUCKETS[-1],
    ).label("bucket")
    query = (
        select(c.unit_id, bucket, func.count())
        .where(c.created_at < at, scope.complaints(), open_then)
        .group_by(c.unit_id, bucket)
    )
    return [[unit_id, label, int(count)] for unit_id, label, count in db.session.execute(query)]


def escalations(period: Period, scope: Scope) -> dict[str, Any]:
    """Escalation steps fired in the period, by level and by deadline."""
    query = (
        select(Escalation.level, Escalation.deadline, func.count())
        .where(Escalation.fired_at >= period.start_at, Escalation.fired_at < period.end_at)
        .group_by(Escalation.level, Escalation.deadline)
    )
    if scope.unit_ids is not None:
        # Only a unit's report needs the complaints (the regency's counts every step).
        query = query.join(Complaint, Escalation.complaint_id == Complaint.id).where(
            scope.complaints()
        )
    by_level: Counter[str] = Counter()
    by_deadline: Counter[str] = Counter()
    for level, deadline, count in db.session.execute(query):
        by_level[str(level)] += int(count)
        by_deadline[deadline] += int(count)
    return {
        "total": sum(by_level.values()),
        "by_level": dict(sorted(by_level.items())),
        "by_deadline": dict(sorted(by_deadline.items())),
    }


def rejection_reasons(period: Period, scope: Scope, limit: int = 10) -> list[dict[str, Any]]:
    """The cohort's most frequent rejection reasons, with their counts."""
    count = func.count().label("count")
    query = (
        select(Complaint.rejection_reason, count)
        .where(cohort(period, scope), Complaint.status == Status.REJECTED.value)
        .group_by(Complaint.rejection_reason)
        .order_by(count.desc(), Complaint.rejection_reason)
        .limit(limit)
    )
    return [{"reason": reason or "", "count": int(n)} for reason, n in db.session.execute(query)]


def undocumented(period: Period, scope: Scope) -> int:
    """Complaints of the cohort without a single event in their history."""
    found = db.session.scalar(
        select(func.count())
        .select_from(Complaint)
        .where(
            cohort(period, scope),
            ~exists().where(ComplaintEvent.complaint_id == Complaint.id),
        )
    )
    return int(found or 0)
