"""Which months' report figures changed since the stored report parts were read.

The report keeps the parts of an ended period (:mod:`complaints.metrics.stored`);
the scheduler reads them again when their months changed. The write paths
that can change an ended period's figures say so with :func:`mark` and the
instant the change is counted under: the workflow for every event on a
complaint (its received instant), intake for a backdated complaint, the sweep
for escalations fired at a past ``--now``, erasure. A mark is one INSERT into
``report_changes`` in the writer's transaction: no row is updated, so writers
never wait for each other.

Only months that began before the current one are marked: stored parts exist
only for periods that ended before the current month began (:func:`stored_until`),
so the usual writes — new complaints, work on this month's — cost nothing.
A change made outside the app (SQL in psql) is not marked: the report page's
refresh button, or ``flask report``, reads the complaints again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from sqlalchemy import delete, func, insert, select

from . import clock
from .extensions import db
from .models import ReportAggregate, ReportChange

logger = logging.getLogger(__name__)

# How long a write may take between deciding not to mark (its month was the
# current one) and committing. A period is stored only once its month has been
# over for this long, so such a write is always seen by the parts read.
WRITE_GRACE = timedelta(hours=1)

_MARK = insert(ReportChange)


def month_of(moment: datetime) -> int:
    """The ``YYYYMM`` month of an instant, in UTC."""
    utc = moment.astimezone(UTC)
    return utc.year * 100 + utc.month


def month_start(moment: datetime) -> datetime:
    """The first instant of the UTC month of ``moment``."""
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, 1, tzinfo=UTC)


def stored_until(now: datetime) -> datetime:
    """Periods that end by this instant may be stored: no unmarked write can change them."""
    return month_start(now - WRITE_GRACE)


def mark(moment: datetime) -> None:
    """Record, in the caller's transaction, a change counted under ``moment``'s month.

    Does nothing for the current month (see the module docstring).
    """
    now = clock.now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment >= month_start(now):
        return
    db.session.execute(_MARK, {"month": month_of(moment), "at": now, "changes": 1})


def changes_up_to(month: int) -> int:
    """How many changes the months up to ``month`` have seen (it only ever grows)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(ReportChange.changes), 0)).where(ReportChange.month <= month)
    )
    return int(total or 0)


def changes_by_month() -> dict[int, int]:
    """For each marked month, the changes of every month up to it (what changes_up_to says)."""
    rows = db.session.execute(
        select(ReportChange.month, func.sum(ReportChange.changes))
        .group_by(ReportChange.month)
        .order_by(ReportChange.month)
    ).all()
    months = [int(month) for month, _count in rows]
    return dict(zip(months, accumulate(int(count) for _month, count in rows), strict=True))


def seen_by(month: int, totals: dict[int, int]) -> int:
    """``changes_up_to(month)`` from a :func:`changes_by_month` answer."""
    return max((total for marked, total in totals.items() if marked <= month), default=0)


def compact() -> int:
    """Fold each month's rows into one carrying their sum; returns how many rows went.

    The sums :func:`changes_up_to` reads do not move: the rows read are deleted
    by id and replaced in one transaction, and rows written meanwhile stay.
    If another process folded some of them first (two schedulers on SQLite),
    nothing is folded this time.
    """
    rows = db.session.execute(
        select(ReportChange.id, ReportChange.month, ReportChange.changes)
    ).all()
    by_month: dict[int, list[tuple[int, int]]] = {}
    for row_id, month, changes in rows:
        by_month.setdefault(month, []).append((row_id, changes))
    folded = [(month, rows) for month, rows in by_month.items() if len(rows) > 1]
    if not folded:
        db.session.rollback()
        return 0
    now = clock.now()
    gone = 0
    for month, month_rows in folded:
        ids = [row_id for row_id, _changes in month_rows]
        total = sum(changes for _row_id, changes in month_rows)
        gone_rows = delete(ReportChange).where(ReportChange.id.in_(ids))
        deleted = db.session.connection().execute(gone_rows)
        if deleted.rowcount != len(ids):
            db.session.rollback()
            return 0
        db.session.execute(_MARK, {"month": month, "at": now, "changes": total})
        gone += len(ids) - 1
    db.session.commit()
    return gone


def forget_parts_reaching(moment: datetime) -> None:
    """Drop, in the caller's transaction, every stored part that counts a complaint of ``moment``.

    For erasure: a stored part may quote a rejection reason, so it must not
    keep the erased text until the next preparation. Stored periods are local
    days; a day before the UTC one covers every time zone.
    """
    first_day = moment.astimezone(UTC).date() - timedelta(days=1)
    db.session.execute(delete(ReportAggregate).where(ReportAggregate.period_to >= first_day))
