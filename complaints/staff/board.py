"""The supervisors' SLA board: what is late or about to be, by unit and escalation level.

Every figure in words: the deadline as "Verify by …", the time as working
hours late or left, the escalation level as who has been told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, render_template
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from complaints import clock
from complaints.extensions import db
from complaints.metrics import overdue_at
from complaints.models import Complaint, Escalation, Role, Unit
from sla.policies import working_calendar

from . import access, queue
from .views import audit, bp, staff_user

TREND_WEEKS = 12
LIST_LIMIT = 200


@dataclass(frozen=True)
class LateComplaint:
    complaint: Complaint
    deadline: str
    due_at: datetime
    # Working hours past the deadline when overdue, else the working hours left.
    working_hours: float
    overdue: bool


@dataclass(frozen=True)
class WeekBar:
    week_start: datetime
    breaches: int


def _late(now: datetime, overdue: bool) -> list[LateComplaint]:
    condition = overdue_at(now) if overdue else queue._at_risk(now)
    complaints = db.session.scalars(
        select(Complaint)
        .options(
            joinedload(Complaint.unit),
            joinedload(Complaint.category),
            joinedload(Complaint.assignee),
        )
        .where(access.visible_filter(staff_user()), condition)
        .order_by(Complaint.next_action_at)
        .limit(LIST_LIMIT)
    ).all()
    calendar = working_calendar()
    rows = []
    for complaint in complaints:
        current = queue.current_deadline(complaint)
        if current is None:
            continue
        name, due = current
        start, end = (due, now) if due < now else (now, due)
        hours = calendar.working_seconds_between(start, end) / 3600
        rows.append(LateComplaint(complaint, name, due, hours, due < now))
    return rows


def _by_unit_and_level(now: datetime) -> list[tuple[str, int, int]]:
    """(unit name, escalation level, count) of overdue complaints, in SQL."""
    rows = db.session.execute(
        select(Unit.name, Complaint.escalation_level, func.count(Complaint.id))
        .join(Unit, Complaint.unit_id == Unit.id)
        .where(access.visible_filter(staff_user()), overdue_at(now))
        .group_by(Unit.name, Complaint.escalation_level)
        .order_by(func.count(Complaint.id).desc())
    ).all()
    return [(name, level, count) for name, level, count in rows]


def _trend(now: datetime) -> list[WeekBar]:
    """Deadlines breached (level-1 escalations) per week over the last weeks."""
    start = (now - timedelta(days=now.weekday(), weeks=TREND_WEEKS - 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    # Bounded by the window, not by the number of complaints: one row per breach.
    fired = db.session.scalars(
        select(Escalation.fired_at)
        .join(Complaint, Escalation.complaint_id == Complaint.id)
        .where(
            Escalation.level == 1,
            Escalation.fired_at >= start,
            access.visible_filter(staff_user()),
        )
    ).all()
    counts = [0] * TREND_WEEKS
    for moment in fired:
        index = (moment - start).days // 7
        if 0 <= index < TREND_WEEKS:
            counts[index] += 1
    return [WeekBar(start + timedelta(weeks=i), count) for i, count in enumerate(counts)]


@bp.get("/sla")
@login_required
def sla_board() -> str:
    user = staff_user()
    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        abort(403)
    now = clock.now()
    audit("sla_board_viewed", user)
    db.session.commit()
    trend = _trend(now)
    return render_template(
        "staff/sla.html",
        overdue=_late(now, overdue=True),
        at_risk=_late(now, overdue=False),
        by_unit=_by_unit_and_level(now),
        trend=trend,
        trend_max=max([bar.breaches for bar in trend] + [1]),
        now=now,
    )
