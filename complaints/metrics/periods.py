"""A report's period and scope, and the conditions on complaints every figure shares.

A period is local calendar days (the office time zone) read as a half-open
UTC interval; its **cohort** is every complaint received in it, limited to a
unit and the units below it when one is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from sqlalchemy import ColumnElement, and_, case, func, or_, select, true

from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.models import Complaint, Status, Unit
from complaints.staff.access import unit_and_descendants

DONE = (Status.RESOLVED.value, Status.CLOSED.value)
PUBLIC_STATUSES = (
    Status.VERIFIED.value,
    Status.IN_PROGRESS.value,
    Status.RESOLVED.value,
    Status.CLOSED.value,
)
# The statuses overdue_at can match. As a term of their own in a query, both
# databases read ix_complaints_status_created for each, not the whole cohort.
WAITING = (Status.RECEIVED.value, Status.VERIFIED.value, Status.IN_PROGRESS.value)


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
    return Scope(unit, frozenset(unit_and_descendants(unit.id)))


def cohort(period: Period, scope: Scope) -> ColumnElement[bool]:
    """The complaints received in the period, within the scope."""
    return and_(
        Complaint.created_at >= period.start_at,
        Complaint.created_at < period.end_at,
        scope.complaints(),
    )


def overdue_at(now: datetime) -> ColumnElement[bool]:
    """Past the deadline the complaint is working towards (the queue, the board and the report)."""
    return or_(
        and_(Complaint.status == Status.RECEIVED.value, Complaint.verify_due_at < now),
        and_(
            Complaint.status.in_([Status.VERIFIED.value, Status.IN_PROGRESS.value]),
            Complaint.resolve_due_at < now,
        ),
    )


def due() -> Any:
    """The deadline a waiting complaint works towards (overdue_at's rule)."""
    return case(
        (Complaint.status == Status.RECEIVED.value, Complaint.verify_due_at),
        else_=Complaint.resolve_due_at,
    )


def publicly_listed() -> ColumnElement[bool]:
    """Complaints the public list may show: checked by staff, not confidential, not hidden."""
    return and_(
        Complaint.confidential.is_(False),
        Complaint.hidden_from_public.is_(False),
        Complaint.status.in_(PUBLIC_STATUSES),
    )


def checked_at() -> Any:
    """The first decision on a complaint: verified, rejected or merged."""
    return func.coalesce(Complaint.verified_at, Complaint.rejected_at, Complaint.merged_at)


def completed(period: Period) -> ColumnElement[bool]:
    """Resolved or closed, with the (latest) resolution before the period ended."""
    return and_(Complaint.status.in_(DONE), Complaint.resolved_at < period.end_at)
