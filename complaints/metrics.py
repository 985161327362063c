"""The complaint-handling figures of the public-service assessment, as SQL aggregates.

:func:`report` answers the fixed JSON shape of DESIGN.md (``report --format
json``, ``GET /api/v1/metrics``) plus more keys. What the figures mean:

* The **cohort** of a period is every complaint *received* in it (``created_at``
  from the first local day's midnight to the midnight after the last day, in
  the office time zone), limited to a unit and the units below it when one is
  given. Every count below is about the cohort, except the backlog (what was
  still open when the period ended), escalations (fired in the period) and the
  IKM (survey answers given in the period).
* **actionable** = received − rejected − merged: rejected complaints were out
  of scope or spam, and a merged one is a duplicate whose original carries the
  follow-up; neither counts against a unit's completion rate.
* **completed** = resolved or closed with the (latest) resolution before the
  period ended, so a year's figures do not change when the report is printed
  in February. A complaint the citizen reopened and that is not resolved
  again is not completed. ``completion_rate`` = completed / actionable.
* **on time**: checked (verified, rejected or merged — the first decision) by
  ``verify_due_at``; first response by ``response_due_at``; resolution by
  ``resolve_due_at`` (for a reopened complaint, the fresh deadline set when it
  was reopened). **overdue** uses the staff queue's rule at the time of the
  report: received past ``verify_due_at``, or verified / in progress past
  ``resolve_due_at``.
* **durations** in working hours (office hours, minus holidays): to check =
  received → first decision; to first response = verified → first response
  (the SLA's own clock); to resolve = received → resolved (what the citizen
  waited). See :mod:`complaints.durations` for how they stay in SQL.
* **indicator 28** (PermenPAN-RB 17/2017, follow-up of complaints): actionable
  and completed, via SP4N-LAPOR! (channel ``lapor``) and not; its ``score`` is
  the band the combined share reaches: ``below_50``, ``at_least_50`` or
  ``at_least_90`` (exact fractions, so 89.9 % is not 90 %).
* Rates are ratios from 0 to 1 rounded to four decimals, ``None`` with a zero
  denominator. A unit with fewer than :data:`MIN_COUNT` complaints is flagged
  ``low_count``: a rate from two complaints is not a league-table result.

Counting is pure SQL: one grouped scan by (unit, category, channel, kind)
whose few hundred result rows are added up in Python for every breakdown.

A period that has ended keeps the parts read from its complaints (the
grouped counts, the durations, the backlog, the archive check, the rejection
reasons, the escalations) in :mod:`complaints.report_cache`, which serves
them again until a complaint received before the period's end (or one of its
events or escalations) changes; what depends on the moment (the complaints
whose deadline passed after the period ended) or on other tables (surveys,
report runs, publications) is read at every report.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased

from sla.calendar import WorkingCalendar
from sla.policies import working_calendar

from . import clock, durations, ikm, report_cache
from .errors import ValidationFailed
from .extensions import db
from .models import (
    AuditLog,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    Escalation,
    Kind,
    ReportRun,
    StatsPublication,
    Status,
    SurveyResponse,
    Unit,
    User,
)

logger = logging.getLogger(__name__)

MIN_COUNT = 5
# How often the scheduler prepares last month's and last year's stored parts.
PREPARE_INTERVAL_SECONDS = 600
# Backlog age buckets, in working days: under 3, 3–5, 5–14, 14–60, 60 and more.
AGE_EDGES = (3, 5, 14, 60)
AGE_BUCKETS = ("under_3", "3_to_5", "5_to_14", "14_to_60", "60_plus")
HALF, NINE_TENTHS = Fraction(1, 2), Fraction(9, 10)
SLA_BOARD_ACTION = "sla_board_viewed"
DONE = (Status.RESOLVED.value, Status.CLOSED.value)
PUBLIC_STATUSES = (
    Status.VERIFIED.value,
    Status.IN_PROGRESS.value,
    Status.RESOLVED.value,
    Status.CLOSED.value,
)


@dataclass(frozen=True)
class Period:
    """Local calendar days ``start``..``end`` (inclusive) as a half-open UTC interval."""

    start: date
    end: date
    timezone: str

    @classmethod
    def of(cls, start: date, end: date, timezone: str | None = None) -> Period:
        if end < start:
            raise ValidationFailed({"to": gettext("The end of the period is before its start.")})
        return cls(start, end, timezone or current_app.config["ADUAN_TIMEZONE"])

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(0), ZoneInfo(self.timezone))

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(0), ZoneInfo(self.timezone))


@dataclass(frozen=True)
class Scope:
    """The unit a report is limited to (with the units below it), or the whole regency."""

    unit: Unit | None
    unit_ids: frozenset[int] | None

    def complaints(self) -> ColumnElement[bool]:
        return Complaint.unit_id.in_(self.unit_ids) if self.unit_ids is not None else true()


def scope_of(unit_code: str | None) -> Scope:
    """The scope of ``unit_code``; ValidationFailed when no unit has that code."""
    if not unit_code:
        return Scope(None, None)
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise ValidationFailed({"unit": gettext("No unit has the code %(code)s.", code=unit_code)})
    from .staff.access import unit_and_descendants

    return Scope(unit, frozenset(unit_and_descendants(unit.id)))


def _cohort(period: Period, scope: Scope) -> ColumnElement[bool]:
    return and_(
        Complaint.created_at >= period.start_at,
        Complaint.created_at < period.end_at,
        scope.complaints(),
    )


def overdue_at(now: datetime) -> ColumnElement[bool]:
    """The staff queue's rule: past the deadline the complaint is working towards."""
    return or_(
        and_(Complaint.status == Status.RECEIVED.value, Complaint.verify_due_at < now),
        and_(
            Complaint.status.in_([Status.VERIFIED.value, Status.IN_PROGRESS.value]),
            Complaint.resolve_due_at < now,
        ),
    )


def publicly_listed() -> ColumnElement[bool]:
    """Complaints the public list may show: checked by staff, not confidential, not hidden."""
    return and_(
        Complaint.confidential.is_(False),
        Complaint.hidden_from_public.is_(False),
        Complaint.status.in_(PUBLIC_STATUSES),
    )


def _checked_at() -> Any:
    """The first decision on a complaint: verified, rejected or merged."""
    return func.coalesce(Complaint.verified_at, Complaint.rejected_at, Complaint.merged_at)


def _n(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _count_columns(period: Period) -> dict[str, Any]:
    """The grouped scan's columns: functions of the complaints alone, never of the moment."""
    c = Complaint
    completed = and_(c.status.in_(DONE), c.resolved_at < period.end_at)
    checked = _checked_at()
    return {
        "received": func.count(),
        "verified": _n(c.verified_at.is_not(None)),
        "rejected": _n(c.status == Status.REJECTED.value),
        "merged": _n(c.status == Status.MERGED.value),
        "completed": _n(completed),
        "completed_on_time": _n(and_(completed, c.resolved_at <= c.resolve_due_at)),
        "checked": _n(checked.is_not(None)),
        "checked_on_time": _n(checked <= c.verify_due_at),
        "responded": _n(c.first_response_at.is_not(None)),
        "responded_on_time": _n(c.first_response_at <= c.response_due_at),
        "ever_resolved": _n(c.resolved_at.is_not(None)),
        "reopened": _n(c.reopened_count > 0),
        "reopens": func.sum(c.reopened_count),
        "confirmed": _n(c.citizen_confirmed.is_(True)),
        "disputed": _n(c.citizen_confirmed.is_(False)),
        "auto_closed": _n(and_(c.status == Status.CLOSED.value, c.citizen_confirmed.is_(None))),
        "published": _n(publicly_listed()),
        # Recorded before their durations were stored: measured from timestamps.
        "durations_not_stored": _n(durations.unstored(_measures(period, Scope(None, None)))),
    }


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _with_rates(counts: Counter[str]) -> dict[str, Any]:
    figures: dict[str, Any] = {name: int(counts[name]) for name in _COUNT_NAMES}
    actionable = figures["received"] - figures["rejected"] - figures["merged"]
    figures["actionable"] = actionable
    figures["completion_rate"] = rate(figures["completed"], actionable)
    figures["on_time_rate"] = rate(figures["completed_on_time"], figures["completed"])
    figures["check_on_time_rate"] = rate(figures["checked_on_time"], figures["checked"])
    figures["response_on_time_rate"] = rate(figures["responded_on_time"], figures["responded"])
    figures["reopened_rate"] = rate(figures["reopened"], figures["ever_resolved"])
    figures["low_count"] = figures["received"] < MIN_COUNT
    return figures


_COUNT_NAMES = (
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


_KEYS = (Complaint.unit_id, Complaint.category_id, Complaint.channel, Complaint.kind)
# A grouped row: unit id, category id, channel, kind, then {figure: count}.
CountRow = list[Any]


def _count_rows(period: Period, scope: Scope) -> list[CountRow]:
    """The cohort's counts per (unit, category, channel, kind): a few hundred rows."""
    columns = _count_columns(period)
    query = (
        select(*_KEYS, *(value.label(name) for name, value in columns.items()))
        .where(_cohort(period, scope))
        .group_by(*_KEYS)
    )
    return [
        [*row[:4], {name: int(row[4 + index] or 0) for index, name in enumerate(columns)}]
        for row in db.session.execute(query)
    ]


# The statuses overdue_at can match. As a term of their own in a query, both
# databases read ix_complaints_status_created for each, not the whole cohort.
WAITING = (Status.RECEIVED.value, Status.VERIFIED.value, Status.IN_PROGRESS.value)


def _due() -> Any:
    """The deadline a waiting complaint works towards (overdue_at's rule)."""
    return case(
        (Complaint.status == Status.RECEIVED.value, Complaint.verify_due_at),
        else_=Complaint.resolve_due_at,
    )


def _overdue_by(period: Period, scope: Scope, at: datetime) -> tuple[list[CountRow], str | None]:
    """The cohort's complaints overdue at ``at``, and where the later deadlines start.

    Returns the grouped counts of waiting complaints whose deadline passed
    before ``at`` (they stay overdue for as long as they wait), and the
    earliest ``created_at`` (ISO) of those whose deadline is ``at`` or later
    (None when there is none): :func:`_overdue_after` reads only from there.
    """
    due = _due()
    query = (
        select(
            *_KEYS,
            _n(due < at),
            func.min(case((due >= at, Complaint.created_at), else_=None)),
        )
        .where(Complaint.status.in_(WAITING), _cohort(period, scope))
        .group_by(*_KEYS)
    )
    rows, starts = [], []
    for row in db.session.execute(query):
        if row[4]:
            rows.append([*row[:4], {"overdue": int(row[4])}])
        if row[5] is not None:
            starts.append(row[5])
    return rows, min(starts).isoformat() if starts else None


def _overdue_after(
    period: Period, scope: Scope, at: datetime, since: datetime, now: datetime
) -> list[CountRow]:
    """Waiting complaints of the cohort whose deadline is from ``at`` to before ``now``.

    ``since`` (from :func:`_overdue_by`) bounds the ``created_at`` range read:
    for an ended period, only the complaints received near its end.
    """
    due = _due()
    query = (
        select(*_KEYS, func.count())
        .where(
            Complaint.status.in_(WAITING),
            _cohort(period, scope),
            Complaint.created_at >= since,
            due >= at,
            due < now,
        )
        .group_by(*_KEYS)
    )
    return [[*row[:4], {"overdue": int(row[4])}] for row in db.session.execute(query)]


@dataclass
class _Groups:
    """The grouped scan's rows added up per breakdown."""

    total: Counter[str]
    by_unit: dict[int | None, Counter[str]]
    by_category: dict[int, Counter[str]]
    by_channel: dict[str, Counter[str]]
    by_kind: dict[str, Counter[str]]
    lapor: Counter[str]


def _grouped(rows: list[CountRow]) -> _Groups:
    groups = _Groups(Counter(), defaultdict(Counter), defaultdict(Counter), {}, {}, Counter())
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


def _measures(period: Period, scope: Scope) -> list[durations.Measure]:
    cohort = _cohort(period, scope)
    completed = and_(cohort, Complaint.status.in_(DONE), Complaint.resolved_at < period.end_at)
    c = Complaint
    return [
        durations.Measure("check", c.check_working_seconds, c.created_at, _checked_at(), cohort),
        durations.Measure(
            "response", c.response_working_seconds, c.verified_at, c.first_response_at, cohort
        ),
        durations.Measure(
            "resolve", c.resolve_working_seconds, c.created_at, c.resolved_at, completed
        ),
    ]


def _duration_summaries(
    period: Period,
    scope: Scope,
    calendar: WorkingCalendar,
    now: datetime,
    *,
    unstored: bool = True,
) -> durations.Summaries:
    """Duration statistics per breakdown; ``unstored``: some rows lack stored durations."""
    measures = _measures(period, scope)
    if not unstored:
        return durations.summaries(measures, BREAKDOWNS, _cohort(period, scope), None)
    # The calendar's span must cover the instants of the rows measured from timestamps.
    latest = db.session.scalar(select(func.max(Complaint.resolved_at)))
    last = max(period.end, now.astimezone(ZoneInfo(period.timezone)).date())
    if latest is not None:
        last = max(last, latest.astimezone(ZoneInfo(period.timezone)).date())
    span = durations.clamp_span(period.start - timedelta(days=1), last + timedelta(days=1))
    sql_calendar = durations.sql_calendar(calendar, period.timezone, span)
    return durations.summaries(measures, BREAKDOWNS, _cohort(period, scope), sql_calendar)


# The breakdowns of every figure: name in the durations' keys -> grouping column.
BREAKDOWNS = {
    "unit": Complaint.unit_id,
    "category": Complaint.category_id,
    "channel": Complaint.channel,
    "kind": Complaint.kind,
}


def _surveys(period: Period, scope: Scope) -> dict[int | None, tuple[int, dict[str, int]]]:
    """Per unit: respondents and each element's sum, over answers given in the period."""
    element_sums = [
        func.sum(getattr(SurveyResponse, name)).label(name) for name in ikm.ELEMENT_NAMES
    ]
    query = (
        select(SurveyResponse.unit_id, func.count().label("respondents"), *element_sums)
        .where(
            SurveyResponse.created_at >= period.start_at,
            SurveyResponse.created_at < period.end_at,
            SurveyResponse.unit_id.in_(scope.unit_ids) if scope.unit_ids is not None else true(),
        )
        .group_by(SurveyResponse.unit_id)
    )
    return {
        row.unit_id: (
            int(row.respondents),
            {name: int(getattr(row, name)) for name in ikm.ELEMENT_NAMES},
        )
        for row in db.session.execute(query)
    }


def _ikm_of(answers: list[tuple[int, dict[str, int]]]) -> ikm.Ikm:
    respondents = sum(count for count, _sums in answers)
    sums = {name: sum(element[name] for _count, element in answers) for name in ikm.ELEMENT_NAMES}
    return ikm.compute(respondents, sums)


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


def _backlog_rows(scope: Scope, at: datetime, edges: list[datetime]) -> list[list[Any]]:
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


def _escalations(period: Period, scope: Scope) -> dict[str, Any]:
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


def _rejection_reasons(period: Period, scope: Scope, limit: int = 10) -> list[dict[str, Any]]:
    count = func.count().label("count")
    query = (
        select(Complaint.rejection_reason, count)
        .where(_cohort(period, scope), Complaint.status == Status.REJECTED.value)
        .group_by(Complaint.rejection_reason)
        .order_by(count.desc(), Complaint.rejection_reason)
        .limit(limit)
    )
    return [{"reason": reason or "", "count": int(n)} for reason, n in db.session.execute(query)]


def band(completed: int, actionable: int) -> str | None:
    """Indicator 28's score band of a completion share (exact: 89.9 % is below 90 %)."""
    if actionable <= 0:
        return None
    share = Fraction(completed, actionable)
    if share >= NINE_TENTHS:
        return "at_least_90"
    if share >= HALF:
        return "at_least_50"
    return "below_50"


def _indicator_28(groups: _Groups) -> dict[str, Any]:
    total, lapor = _with_rates(groups.total), _with_rates(groups.lapor)
    other_actionable = total["actionable"] - lapor["actionable"]
    other_completed = total["completed"] - lapor["completed"]
    return {
        "received": other_actionable,
        "completed": other_completed,
        "received_lapor": lapor["actionable"],
        "completed_lapor": lapor["completed"],
        "rate": rate(other_completed, other_actionable),
        "rate_lapor": rate(lapor["completed"], lapor["actionable"]),
        "rate_all": total["completion_rate"],
        "band": band(other_completed, other_actionable),
        "band_lapor": band(lapor["completed"], lapor["actionable"]),
        "score": band(total["completed"], total["actionable"]),
    }


def _undocumented(period: Period, scope: Scope) -> int:
    """Complaints of the cohort without a single event in their history."""
    found = db.session.scalar(
        select(func.count())
        .select_from(Complaint)
        .where(
            _cohort(period, scope),
            ~exists().where(ComplaintEvent.complaint_id == Complaint.id),
        )
    )
    return int(found or 0)


def _indicator_27(
    period: Period, scope: Scope, total: dict[str, Any], undocumented: int
) -> dict[str, Any]:
    """The five accountability steps, each with the figures that evidence it."""
    run_scope = (
        or_(ReportRun.unit_id.is_(None), ReportRun.unit_id.in_(scope.unit_ids))
        if scope.unit_ids is not None
        else true()
    )
    runs_in_period = db.session.scalar(
        select(func.count()).where(
            ReportRun.generated_at >= period.start_at,
            ReportRun.generated_at < period.end_at,
            run_scope,
        )
    )
    runs_covering = db.session.scalar(
        select(func.count()).where(
            ReportRun.period_from <= period.end, ReportRun.period_to >= period.start, run_scope
        )
    )
    viewer = aliased(User)
    board_views = db.session.execute(
        select(func.count(), func.count(func.distinct(AuditLog.actor_user_id)))
        .select_from(AuditLog)
        .outerjoin(viewer, AuditLog.actor_user_id == viewer.id)
        .where(
            AuditLog.action == SLA_BOARD_ACTION,
            AuditLog.at >= period.start_at,
            AuditLog.at < period.end_at,
            viewer.unit_id.in_(scope.unit_ids) if scope.unit_ids is not None else true(),
        )
    ).one()
    return {
        "archived": {
            "done": total["received"] > 0 and undocumented == 0,
            "complaints": total["received"],
            "without_events": undocumented,
        },
        "reported": {
            "done": int(runs_in_period or 0) > 0,
            "runs_in_period": int(runs_in_period or 0),
            "runs_covering_period": int(runs_covering or 0),
        },
        "monitored": {
            "done": int(board_views[0]) > 0,
            "sla_board_views": int(board_views[0]),
            "viewers": int(board_views[1]),
        },
        "followed_up": {
            "done": total["responded"] > 0,
            "responded": total["responded"],
            "actionable": total["actionable"],
            "rate": rate(total["responded"], total["actionable"]),
            "completed": total["completed"],
        },
        "published": _published(period, total),
    }


def _published(period: Period, total: dict[str, Any]) -> dict[str, Any]:
    """When the public page was served with figures of a period overlapping this one."""
    overlapping = (
        StatsPublication.period_from <= period.end,
        StatsPublication.period_to >= period.start,
    )
    count, first, last = db.session.execute(
        select(
            func.count(),
            func.min(StatsPublication.first_served_at),
            func.max(StatsPublication.last_served_at),
        ).where(*overlapping)
    ).one()
    return {
        "done": int(count) > 0,
        "public_page": "/stats",
        "complaints_listed": total["published"],
        "publications": int(count),
        "first_published_at": _local_minute(first, period),
        "last_served_at": _local_minute(last, period),
    }


def _local_minute(moment: datetime | None, period: Period) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(period.timezone)).isoformat(timespec="minutes")


def _names() -> tuple[dict[int, Unit], dict[int, Category]]:
    # Both tables are small (tens of rows): one query each.
    units = {unit.id: unit for unit in db.session.scalars(select(Unit))}
    categories = {category.id: category for category in db.session.scalars(select(Category))}
    return units, categories


def _durations_json(
    found: durations.Summaries, breakdown: str = "total", key: Any = None
) -> dict[str, Any]:
    return {
        name: found.get((name, breakdown, key), durations.EMPTY).as_json()
        for name in durations.MEASURE_NAMES
    }


def _with_durations(
    counts: Counter[str], found: durations.Summaries, breakdown: str, key: Any
) -> dict[str, Any]:
    """A breakdown row's counts and rates with its durations."""
    figures = _with_rates(counts)
    figures["durations"] = _durations_json(found, breakdown, key)
    figures["median_resolve_working_hours"] = figures["durations"]["resolve"][
        "median_working_hours"
    ]
    return figures


def report(
    start: date, end: date, unit_code: str | None = None, *, now: datetime | None = None
) -> dict[str, Any]:
    """The figures of the complaints received from ``start`` to ``end`` (local days).

    Raises ValidationFailed for an empty period or an unknown unit code.
    """
    moment = now or clock.now()
    period = Period.of(start, end)
    scope = scope_of(unit_code)
    calendar = working_calendar()
    backlog_at = min(period.end_at, moment)
    parts = _complaint_parts(period, scope, calendar, backlog_at)
    assert parts is not None  # computed whenever nothing valid is stored
    overdue = parts["overdue"]
    if parts["overdue_since"] is not None and backlog_at < moment:
        since = datetime.fromisoformat(parts["overdue_since"])
        overdue = overdue + _overdue_after(period, scope, backlog_at, since, moment)
    groups = _grouped(parts["counts"] + overdue)
    if parts["durations"] is None:
        found = _duration_summaries(period, scope, calendar, moment)
    else:
        found = {
            (name, breakdown, key): durations.Summary(*figures)
            for name, breakdown, key, *figures in parts["durations"]
        }
    backlog: dict[int | None, Counter[str]] = defaultdict(Counter)
    for unit_id, label, count in parts["backlog"]:
        backlog[unit_id][label] += count
    surveys = _surveys(period, scope)
    units, categories = _names()

    totals = _with_rates(groups.total)
    totals["durations"] = _durations_json(found)
    totals["median_resolve_working_hours"] = totals["durations"]["resolve"]["median_working_hours"]
    unit_ids = set(groups.by_unit) | set(surveys) | set(backlog)
    by_unit = []
    for unit_id in sorted(unit_ids, key=lambda uid: _unit_sort_key(units, uid)):
        figures = _with_durations(groups.by_unit.get(unit_id, Counter()), found, "unit", unit_id)
        unit = units.get(unit_id) if unit_id is not None else None
        by_unit.append(
            {
                "unit": unit.code if unit else None,
                "unit_name": unit.name if unit else None,
                **figures,
                "backlog": sum(backlog.get(unit_id, Counter()).values()),
                "ikm": _ikm_of([surveys[unit_id]] if unit_id in surveys else []).as_json(),
            }
        )
    backlog_total: Counter[str] = Counter()
    for counts in backlog.values():
        backlog_total.update(counts)

    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "unit": scope.unit.code if scope.unit else None,
        "unit_name": scope.unit.name if scope.unit else None,
        "timezone": period.timezone,
        "generated_at": moment.isoformat(),
        "min_count": MIN_COUNT,
        "totals": totals,
        "by_channel": {channel: int(c["received"]) for channel, c in groups.by_channel.items()},
        "by_channel_detail": [
            {"channel": channel, **_with_durations(counts, found, "channel", channel)}
            for channel, counts in groups.by_channel.items()
        ],
        "by_unit": by_unit,
        "by_category": [
            {
                "category": categories[category_id].code,
                "category_name": categories[category_id].name_id,
                **_with_durations(counts, found, "category", category_id),
            }
            for category_id, counts in sorted(
                groups.by_category.items(), key=lambda item: categories[item[0]].sort_order
            )
        ],
        "by_kind": [
            {"kind": kind, **_with_durations(counts, found, "kind", kind)}
            for kind, counts in groups.by_kind.items()
        ],
        "rejected_by_reason": parts["rejections"],
        "backlog": {
            "at": backlog_at.isoformat(),
            "total": sum(backlog_total.values()),
            "by_age_working_days": {label: backlog_total[label] for label in AGE_BUCKETS},
        },
        "escalations": parts["escalations"],
        "indicator_28": _indicator_28(groups),
        "indicator_27": _indicator_27(period, scope, totals, parts["undocumented"]),
        "ikm": _ikm_of(list(surveys.values())).as_json(),
    }


def _complaint_parts(
    period: Period,
    scope: Scope,
    calendar: WorkingCalendar,
    at: datetime,
    *,
    only_refresh: bool = False,
) -> dict[str, Any] | None:
    """The report's parts read from the complaints alone: most of its time.

    ``at`` is the end of the period, or now while it still runs. Grouped
    counts, duration summaries (None when some rows lack stored durations:
    those are measured with today's calendar, so every report measures them
    afresh), the backlog at ``at``, the archive check, the
    rejection reasons, the escalations fired in the period, and the
    complaints overdue at ``at`` (the report adds those whose deadline fell
    between ``at`` and now). A period that has ended keeps them in
    :mod:`complaints.report_cache` until one of its complaints changes.
    """
    edges = [aged_boundary(calendar, at, days) for days in AGE_EDGES]

    def compute() -> dict[str, Any]:
        counts = _count_rows(period, scope)
        stored = not any(figures["durations_not_stored"] for *_keys, figures in counts)
        summaries = None
        if stored:
            found = _duration_summaries(period, scope, calendar, at, unstored=False)
            summaries = [
                [name, breakdown, key, s.count, s.total_seconds, s.median_seconds, s.p90_seconds]
                for (name, breakdown, key), s in found.items()
            ]
        result: dict[str, Any] = {
            "counts": counts,
            "durations": summaries,
            "backlog": _backlog_rows(scope, at, edges),
            "undocumented": _undocumented(period, scope),
            "rejections": _rejection_reasons(period, scope),
            "escalations": _escalations(period, scope),
        }
        result["overdue"], result["overdue_since"] = _overdue_by(period, scope, at)
        return result

    inputs = {
        **_period_inputs(period, scope),
        "parts": "complaints",
        "backlog_edges": [edge.isoformat() for edge in edges],
    }
    parts: dict[str, Any] | None = report_cache.remembered(
        inputs, period.end_at, compute, now=at, only_refresh=only_refresh
    )
    return parts


def _period_inputs(period: Period, scope: Scope) -> dict[str, Any]:
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "timezone": period.timezone,
        "units": sorted(scope.unit_ids) if scope.unit_ids is not None else None,
    }


def _unit_sort_key(units: dict[int, Unit], unit_id: int | None) -> tuple[int, str]:
    if unit_id is None or unit_id not in units:
        return (1, "")
    return (0, units[unit_id].name)


def weekly_volume(start: date, end: date, unit_code: str | None = None) -> list[dict[str, Any]]:
    """Complaints received per week (weeks start on Monday) and channel, for the chart.

    SQL groups by local day and channel (at most 366 × 8 rows a year); the
    days are added into weeks here. A period that has ended keeps its days in
    :mod:`complaints.report_cache` until one of its complaints changes.
    """
    period = Period.of(start, end)
    scope = scope_of(unit_code)
    days = _days_by_channel(period, scope, clock.now())
    weeks: dict[date, Counter[str]] = {}
    first_monday = period.start - timedelta(days=period.start.weekday())
    monday = first_monday
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


def _days_by_channel(
    period: Period, scope: Scope, now: datetime, *, only_refresh: bool = False
) -> list[list[Any]]:
    """[local day number, channel, complaints received] rows; stored once the period ended."""
    zone = ZoneInfo(period.timezone)
    dialect = db.session.get_bind().dialect.name
    offset = durations.fixed_offset(zone, (period.start, period.end))
    day = durations.day_number(
        durations.local_seconds(Complaint.created_at, dialect, zone, offset), dialect
    ).label("day")
    query = (
        select(day, Complaint.channel, func.count())
        .where(_cohort(period, scope))
        .group_by(day, Complaint.channel)
    )

    def compute() -> list[list[Any]]:
        return [[int(number), channel, int(n)] for number, channel, n in db.session.execute(query)]

    inputs = {**_period_inputs(period, scope), "parts": "days_by_channel"}
    result: list[list[Any]] = report_cache.remembered(
        inputs, period.end_at, compute, now=now, only_refresh=only_refresh
    )
    return result


def prepare_ended_periods(now: datetime | None = None) -> None:
    """Read afresh the stored parts that changes made stale: last month and last year.

    For the regency, and for each unit whose parts someone asked for before
    (reading every unit's would cost as much as the regency's again), so the
    supervisor who opens the dashboard on those periods (its presets) is
    served from storage instead of waiting for the read. Parts still valid
    cost two indexed lookups each. Run by the scheduler
    (:data:`PREPARE_INTERVAL_SECONDS`); on PostgreSQL one process at a time.
    """
    with report_cache.alone("prepare ended periods") as alone:
        if alone:
            _prepare_ended_periods(now)


def _prepare_ended_periods(now: datetime | None) -> None:
    moment = now or clock.now()
    timezone = current_app.config["ADUAN_TIMEZONE"]
    today = moment.astimezone(ZoneInfo(timezone)).date()
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    periods = [
        Period.of(last_month_end.replace(day=1), last_month_end, timezone),
        Period.of(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), timezone),
    ]
    calendar = working_calendar()
    codes: list[str | None] = [None, *db.session.scalars(select(Unit.code).order_by(Unit.code))]
    for unit_code in codes:
        scope = scope_of(unit_code)
        only_refresh = unit_code is not None
        for period in periods:
            _complaint_parts(period, scope, calendar, period.end_at, only_refresh=only_refresh)
            _days_by_channel(period, scope, moment, only_refresh=only_refresh)
            db.session.rollback()  # end the read: the next pair starts from fresh data


# Columns of the complaint list behind the figures (no personal data).
COMPLAINT_COLUMNS = (
    "code",
    "received_at",
    "channel",
    "lapor_id",
    "kind",
    "category",
    "unit",
    "status",
    "checked_at",
    "first_response_at",
    "resolved_at",
    "resolve_due_at",
    "completed",
    "completed_on_time",
    "reopened_count",
    "citizen_confirmed",
    "check_working_hours",
    "response_working_hours",
    "resolve_working_hours",
)


def _stored_hours(seconds: Any) -> Any:
    """A stored duration in working hours, two decimals (empty when not stored)."""
    # A numeric literal: PostgreSQL rounds numerics to two places, not doubles.
    hours = func.round(seconds / literal_column("3600.0"), 2)
    return cast(hours, Float)


def cohort_query(start: date, end: date, unit_code: str | None = None) -> Select[Any]:
    """The SELECT of the complaints behind a report, in :data:`COMPLAINT_COLUMNS` order."""
    period = Period.of(start, end)
    scope = scope_of(unit_code)
    completed = and_(Complaint.status.in_(DONE), Complaint.resolved_at < period.end_at)
    on_time = and_(completed, Complaint.resolved_at <= Complaint.resolve_due_at)
    return (
        select(
            Complaint.code,
            Complaint.created_at,
            Complaint.channel,
            Complaint.lapor_id,
            Complaint.kind,
            Category.code,
            Unit.code,
            Complaint.status,
            _checked_at(),
            Complaint.first_response_at,
            Complaint.resolved_at,
            Complaint.resolve_due_at,
            case((completed, True), else_=False),
            case((on_time, True), else_=False),
            Complaint.reopened_count,
            Complaint.citizen_confirmed,
            _stored_hours(Complaint.check_working_seconds),
            _stored_hours(Complaint.response_working_seconds),
            _stored_hours(Complaint.resolve_working_seconds),
        )
        .join(Category, Complaint.category_id == Category.id)
        .outerjoin(Unit, Complaint.unit_id == Unit.id)
        .where(_cohort(period, scope))
        .order_by(Complaint.created_at, Complaint.id)
    )


def cohort_rows(
    start: date, end: date, unit_code: str | None = None, *, batch: int = 1000
) -> Iterator[tuple[Any, ...]]:
    """The complaints behind a report, read in batches (memory does not grow).

    One tuple per complaint in :data:`COMPLAINT_COLUMNS` order; instants are
    aware UTC datetimes.
    """
    query = cohort_query(start, end, unit_code).execution_options(yield_per=batch)
    for row in db.session.execute(query):
        yield tuple(row)
