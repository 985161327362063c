"""The assessment's indicators 27 and 28 and the IKM, from the counts and the tables read live.

* **Indicator 28** (PermenPAN-RB 17/2017, follow-up of complaints): actionable
  and completed, via SP4N-LAPOR! (channel ``lapor``) and not; its ``score`` is
  the band the combined share reaches: ``below_50``, ``at_least_50`` or
  ``at_least_90`` (exact fractions, so 89.9 % is not 90 %).
* **Indicator 27** (accountability): each of its five steps with the figures
  that evidence it (archive, reports run, SLA board views, follow-up, the
  public page).
* **IKM**: the satisfaction index over the survey answers given in the period.

Report runs, board views, publications and surveys are read at every report:
they are not complaints, and stored parts never hold them.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import aliased

from complaints import ikm
from complaints.extensions import db
from complaints.models import AuditLog, ReportRun, StatsPublication, SurveyResponse, User

from .counts import Groups, rate, with_rates
from .periods import Period, Scope

HALF, NINE_TENTHS = Fraction(1, 2), Fraction(9, 10)
SLA_BOARD_ACTION = "sla_board_viewed"


class SurveyTotals(NamedTuple):
    """A group's respondents, each element's sum and each element's number of answers."""

    respondents: int
    sums: dict[str, int]
    answers: dict[str, int]


# Per unit.
SurveySums = dict[int | None, SurveyTotals]


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


def indicator_28(groups: Groups) -> dict[str, Any]:
    total, lapor = with_rates(groups.total), with_rates(groups.lapor)
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


def indicator_27(
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


def surveys(period: Period, scope: Scope) -> SurveySums:
    """Per unit: respondents, each element's sum and its number of answers (skipped: NULL)."""
    query = (
        select(SurveyResponse.unit_id, *survey_columns())
        .where(survey_scope(period, scope))
        .group_by(SurveyResponse.unit_id)
    )
    return {row.unit_id: survey_totals(row) for row in db.session.execute(query)}


def survey_columns() -> list[Any]:
    """The aggregates of a group of survey responses, read by :func:`survey_totals`."""
    return [
        func.count().label("respondents"),
        *(func.sum(getattr(SurveyResponse, name)).label(name) for name in ikm.ELEMENT_NAMES),
        *(
            func.count(getattr(SurveyResponse, name)).label(f"{name}_answers")
            for name in ikm.ELEMENT_NAMES
        ),
    ]


def survey_scope(period: Period, scope: Scope) -> ColumnElement[bool]:
    """The survey answers given in the period, for the units of the scope."""
    return and_(
        SurveyResponse.created_at >= period.start_at,
        SurveyResponse.created_at < period.end_at,
        SurveyResponse.unit_id.in_(scope.unit_ids) if scope.unit_ids is not None else true(),
    )


def survey_totals(row: Any) -> SurveyTotals:
    """A row of :func:`survey_columns` as respondents, sums and answer counts."""
    return SurveyTotals(
        int(row.respondents),
        {name: int(getattr(row, name) or 0) for name in ikm.ELEMENT_NAMES},
        {name: int(getattr(row, f"{name}_answers")) for name in ikm.ELEMENT_NAMES},
    )


def ikm_of(groups: list[SurveyTotals]) -> ikm.Ikm:
    """The IKM of several groups of respondents together."""
    respondents = sum(group.respondents for group in groups)
    sums = {name: sum(group.sums[name] for group in groups) for name in ikm.ELEMENT_NAMES}
    counts = {name: sum(group.answers[name] for group in groups) for name in ikm.ELEMENT_NAMES}
    return ikm.compute(respondents, sums, counts)
