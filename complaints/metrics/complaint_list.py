"""The complaints behind a report, one row each, for the exports and the printable evidence.

No personal data: codes, instants, channel, kind, category, unit, status and
the stored working hours. Read in batches (:func:`cohort_rows`) or streamed by
the CSV export from :func:`cohort_query`, so memory does not grow with the
period.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Float, Select, and_, case, cast, func, literal_column, select

from complaints.extensions import db
from complaints.models import Category, Complaint, Unit

from .periods import Period, checked_at, cohort, completed, scope_of

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
    done = completed(period)
    on_time = and_(done, Complaint.resolved_at <= Complaint.resolve_due_at)
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
            checked_at(),
            Complaint.first_response_at,
            Complaint.resolved_at,
            Complaint.resolve_due_at,
            case((done, True), else_=False),
            case((on_time, True), else_=False),
            Complaint.reopened_count,
            Complaint.citizen_confirmed,
            _stored_hours(Complaint.check_working_seconds),
            _stored_hours(Complaint.response_working_seconds),
            _stored_hours(Complaint.resolve_working_seconds),
        )
        .join(Category, Complaint.category_id == Category.id)
        .outerjoin(Unit, Complaint.unit_id == Unit.id)
        .where(cohort(period, scope))
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
