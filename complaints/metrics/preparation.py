"""The scheduler's report preparation: stored parts read again after their months changed.

Every :data:`PREPARE_INTERVAL_SECONDS` (job ``report-prepare``), in one
process at a time: last month's and last year's parts for the regency are
read if missing (the dashboard's presets), every stored part whose months
were marked changed since it was read is read again, the change log is
folded, and parts nobody asked for in a month are dropped. :func:`refresh`
does the same for one report at once (the page's button).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import text

from complaints import clock, report_changes
from complaints.errors import ValidationFailed
from complaints.extensions import db
from sla.calendar import WorkingCalendar
from sla.policies import working_calendar

from . import stored
from .figures import report
from .parts import COMPLAINTS_PART, complaint_parts
from .periods import Period, scope_of
from .volume import DAYS_PART, days_by_channel, weekly_volume

logger = logging.getLogger(__name__)

# How often the scheduler prepares the stored parts (the freshness promise).
PREPARE_INTERVAL_SECONDS = 600


def refresh(start: date, end: date, unit_code: str | None = None) -> None:
    """Read one report's parts from the complaints now, and store them if its period ended."""
    report(start, end, unit_code, fresh=True)
    weekly_volume(start, end, unit_code, fresh=True)


def prepare_ended_periods(now: datetime | None = None) -> None:
    """Keep the stored parts up to date (see the module docstring); one process at a time."""
    with alone("prepare ended periods") as first:
        if first:
            _prepare(now or clock.now())


def _prepare(moment: datetime) -> None:
    calendar = working_calendar()
    timezone = current_app.config["ADUAN_TIMEZONE"]
    for period in _presets(moment, timezone):
        if not stored.storable(period, moment):
            continue  # its month is not over yet: read live at every report
        for name in (COMPLAINTS_PART, DAYS_PART):
            _read(name, period, None, calendar, moment, fresh=False)
    totals = report_changes.changes_by_month()
    again = 0
    for part in stored.kept():
        period = Period.of(part.period_from, part.period_to, timezone)
        last_month = report_changes.month_of(period.end_at - timedelta(microseconds=1))
        if report_changes.seen_by(last_month, totals) == part.changes_seen:
            continue
        key = _read(part.part, period, part.unit_code, calendar, moment, fresh=True)
        # Read under another key (a holiday moved the backlog's edges, a unit's
        # units changed, a unit is gone): the old part would never be asked for.
        if key != part.key:
            stored.forget([part.key])
        again += 1
    folded = report_changes.compact()
    dropped = stored.forget_unasked(moment)
    if again or folded or dropped:
        logger.info(
            "report parts: %d read again, %d change rows folded, %d dropped", again, folded, dropped
        )


def _read(
    name: str,
    period: Period,
    unit_code: str | None,
    calendar: WorkingCalendar,
    moment: datetime,
    *,
    fresh: bool,
) -> str | None:
    """Read (or find stored) one part; its key, or None when it cannot be read any more.

    (A unit that is gone, a part this code no longer knows.)
    """
    try:
        scope = scope_of(unit_code)
    except ValidationFailed:
        db.session.rollback()
        return None  # the unit is gone
    try:
        if name == COMPLAINTS_PART:
            at = period.end_at
            return complaint_parts(period, scope, calendar, at, now=moment, fresh=fresh).key
        if name == DAYS_PART:
            return days_by_channel(period, scope, moment, fresh=fresh).key
        return None
    finally:
        db.session.rollback()  # end the read: the next part starts from fresh data


def _presets(moment: datetime, timezone: str) -> list[Period]:
    """Last month and last year, in the office's calendar."""
    today = moment.astimezone(ZoneInfo(timezone)).date()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return [
        Period.of(last_month_end.replace(day=1), last_month_end, timezone),
        Period.of(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), timezone),
    ]


@contextmanager
def alone(name: str) -> Iterator[bool]:
    """Whether this process is the only one doing ``name`` now (PostgreSQL advisory lock).

    Yields False when another process holds it. SQLite always yields True:
    its deployments run one scheduler.
    """
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    lock_id = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with db.engine.connect() as connection:
        held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:id)"), {"id": lock_id}))
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
            connection.rollback()
