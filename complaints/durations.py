"""Working-time durations (to check, to first response, to resolve), measured once and stored.

The workflow calls :func:`record` each time it stamps a timestamp; each
duration is measured once, in whole working seconds (office hours minus
holidays, :class:`sla.calendar.WorkingCalendar`), and stored on the complaint:

* ``check_working_seconds``: received → first decision (verified, rejected or
  merged), measured at that decision;
* ``response_working_seconds``: verified → first public response, measured
  at that response;
* ``resolve_working_seconds``: received → resolution, measured at every
  resolution (a reopened complaint resolved again gets the new, longer one).

The rule for calendar changes: a duration is measured with the holidays known
when its end was recorded. A holiday added later does not rewrite durations
already stored (as a deadline already met is not re-judged).

The report aggregates the stored seconds only (:mod:`complaints.metrics.percentiles`).
Complaints that reached a moment without its duration (rows from before
migration 0004, bulk imports) are left out of those figures until
``flask report backfill-durations`` (:func:`backfill`) stores theirs, measured
with today's calendar; the app warns at start-up while any is missing. Both
find them through the partial index ``ix_complaints_durations_missing``,
empty once every duration is stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, bindparam, func, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from sla.calendar import WorkingCalendar
from sla.policies import working_calendar

from . import report_changes
from .extensions import db
from .models import DURATIONS_MISSING, Complaint

logger = logging.getLogger(__name__)

BACKFILL_BATCH = 1000


def checked_at(complaint: Complaint) -> datetime | None:
    """The first decision on a complaint: verified, rejected or merged."""
    return complaint.verified_at or complaint.rejected_at or complaint.merged_at


def working_seconds(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    return round(calendar.working_seconds_between(_aware(start), _aware(end)))


def record(complaint: Complaint, *, resolved: bool = False) -> None:
    """Measure the durations whose end was just stamped (``resolved``: a new resolution).

    A duration already stored is kept (see the module's rule on calendar
    changes), except the time to resolve, measured again at each resolution.
    """
    calendar: WorkingCalendar | None = None

    def measure(start: datetime, end: datetime) -> int:
        nonlocal calendar
        calendar = calendar or working_calendar()
        return working_seconds(calendar, start, end)

    decided = checked_at(complaint)
    if complaint.check_working_seconds is None and decided is not None:
        complaint.check_working_seconds = measure(complaint.created_at, decided)
    if (
        complaint.response_working_seconds is None
        and complaint.verified_at is not None
        and complaint.first_response_at is not None
    ):
        complaint.response_working_seconds = measure(
            complaint.verified_at, complaint.first_response_at
        )
    if complaint.resolved_at is not None and (
        resolved or complaint.resolve_working_seconds is None
    ):
        complaint.resolve_working_seconds = measure(complaint.created_at, complaint.resolved_at)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def missing() -> ColumnElement[bool]:
    """Complaints that reached a moment whose duration is not stored (the index's predicate)."""
    return text(DURATIONS_MISSING)  # type: ignore[return-value]


def any_missing() -> bool:
    """Whether some complaint lacks a stored duration: one probe of the partial index."""
    found = db.session.scalar(select(Complaint.id).where(missing()).limit(1))
    return found is not None


def warn_if_missing(app: Flask) -> None:
    """Log a warning at start-up while some complaint lacks its stored durations.

    A database not yet migrated (``flask db upgrade`` itself) or unreachable
    is not this check's business: it says so at debug level and moves on.
    """
    with app.app_context():
        try:
            lacking = any_missing()
        except SQLAlchemyError as error:
            logger.debug("stored durations not checked: %s", str(error).splitlines()[0])
            return
        finally:
            db.session.remove()
            # A preloading server (gunicorn --preload) forks after this: its
            # workers must not inherit a connection of this process's pool.
            db.engine.dispose()
    if lacking:
        logger.warning(
            "some complaints have no stored working-time durations and are left out of "
            "the report's duration figures; run `flask --app wsgi report backfill-durations`"
        )


@dataclass
class BackfillSummary:
    """What a backfill stored; ``as_json`` is what the command prints."""

    complaints: int = 0
    check: int = 0
    response: int = 0
    resolve: int = 0
    # Instants the calendar cannot measure (outside its years): left as they are.
    unmeasurable: int = 0
    batches: int = 0
    took_s: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


_BACKFILL_COLUMNS = (
    Complaint.id,
    Complaint.created_at,
    Complaint.verified_at,
    Complaint.rejected_at,
    Complaint.merged_at,
    Complaint.first_response_at,
    Complaint.resolved_at,
    Complaint.check_working_seconds,
    Complaint.response_working_seconds,
    Complaint.resolve_working_seconds,
)
# Fills only what is still empty: a duration the workflow stored meanwhile stays.
# Core, not ORM: an executemany UPDATE of a batch, whatever the session holds.
_complaints = db.metadata.tables[Complaint.__tablename__]
_STORE = (
    update(_complaints)
    .where(_complaints.c.id == bindparam("complaint_id"))
    .values(
        {
            name: func.coalesce(_complaints.c[name], bindparam(measure))
            for measure, name in (
                ("check", "check_working_seconds"),
                ("response", "response_working_seconds"),
                ("resolve", "resolve_working_seconds"),
            )
        }
    )
)


def backfill(batch_size: int = BACKFILL_BATCH) -> BackfillSummary:
    """Store the missing durations of every complaint, ``batch_size`` complaints per transaction.

    Each is measured as :func:`record` would have, with today's calendar.
    Safe to run while the app serves, and to run again: it reads only the
    complaints the partial index still lists, in id order.
    """
    started = time.perf_counter()
    calendar = working_calendar()
    summary = BackfillSummary()
    last_id = 0
    while True:
        rows = db.session.execute(
            select(*_BACKFILL_COLUMNS)
            .where(missing(), Complaint.id > last_id)
            .order_by(Complaint.id)
            .limit(batch_size)
        ).all()
        if not rows:
            break
        last_id = rows[-1].id
        _store_batch(rows, calendar, summary)
    db.session.rollback()
    summary.took_s = round(time.perf_counter() - started, 2)
    logger.info("stored durations backfilled: %s", summary.as_json())
    return summary


def _store_batch(rows: Sequence[Any], calendar: WorkingCalendar, summary: BackfillSummary) -> None:
    """Measure one batch, store it and mark the months it changes, in one transaction."""
    updates = []
    months: dict[int, datetime] = {}
    for row in rows:
        values = _measured(row, calendar, summary)
        if any(value is not None for value in values.values()):
            updates.append({"complaint_id": row.id, **values})
            months.setdefault(report_changes.month_of(row.created_at), row.created_at)
    if updates:
        db.session.execute(_STORE, updates)
        for received in months.values():
            report_changes.mark(received)
    db.session.commit()
    summary.complaints += len(updates)
    summary.batches += 1


def _measured(row: Any, calendar: WorkingCalendar, summary: BackfillSummary) -> dict[str, Any]:
    """The durations ``row`` lacks, measured (None where it has one or lacks an instant)."""
    decided = row.verified_at or row.rejected_at or row.merged_at
    spans = {
        "check": (row.check_working_seconds, row.created_at, decided),
        "response": (row.response_working_seconds, row.verified_at, row.first_response_at),
        "resolve": (row.resolve_working_seconds, row.created_at, row.resolved_at),
    }
    values: dict[str, Any] = {}
    for name, (stored, start, end) in spans.items():
        values[name] = None
        if stored is not None or start is None or end is None:
            continue
        try:
            values[name] = working_seconds(calendar, start, end)
        except ValueError:
            summary.unmeasurable += 1
            continue
        setattr(summary, name, getattr(summary, name) + 1)
    return values
