"""Which SLA policy applies to a complaint, and the working-time calendar in force."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from complaints.extensions import db
from complaints.models import Category, Complaint, Holiday, Kind, SlaPolicy

from .calendar import WorkingCalendar

STANDARD_POLICY = "standard"
INFORMATION_POLICY = "information"

_calendar_lock = threading.Lock()

# How long a cached calendar is trusted without asking the database whether the
# holidays changed. Holiday edits committed through this process (the admin page,
# the CLI, a test) bump the generation and are seen at once; another worker's edit
# is seen within this many seconds.
CALENDAR_RECHECK_SECONDS = 60.0
_holiday_edits = itertools.count()
_holiday_generation = next(_holiday_edits)
# Set in a session's ``info`` while its transaction holds uncommitted holiday edits.
_HOLIDAYS_EDITED = "aduan_holidays_edited"


@event.listens_for(Session, "after_flush")
def _note_holiday_edits(session: Session, _flush_context: Any) -> None:
    # After a flush ``new``, ``dirty`` and ``deleted`` still list what it wrote.
    flushed = itertools.chain(session.new, session.dirty, session.deleted)
    if any(isinstance(instance, Holiday) for instance in flushed):
        session.info[_HOLIDAYS_EDITED] = True


@event.listens_for(Session, "after_commit")
def _bump_generation_after_holiday_commit(session: Session) -> None:
    # Only once the edits are committed: bumped any earlier, a request in another
    # thread could read the new generation, still see the old holidays and cache
    # them under it for a whole recheck period. Releasing a savepoint commits nothing.
    global _holiday_generation
    if not session.in_nested_transaction() and session.info.pop(_HOLIDAYS_EDITED, False):
        _holiday_generation = next(_holiday_edits)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted_holiday_edits(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without after_commit taking the flag: rolled back.
    if transaction.parent is None:
        session.info.pop(_HOLIDAYS_EDITED, None)


def policy_for(complaint: Complaint) -> SlaPolicy:
    """The complaint's policy: information requests have their own, else the category's."""
    return policy_for_kind(complaint.kind, complaint.category)


def policy_for_kind(kind: str, category: Category | None) -> SlaPolicy:
    """The policy of a complaint of ``kind`` in ``category`` (see :func:`policy_for`)."""
    if kind == Kind.INFORMATION_REQUEST:
        information = db.session.scalar(
            select(SlaPolicy).where(SlaPolicy.code == INFORMATION_POLICY)
        )
        if information is not None:
            return information
    if category is not None and category.sla_policy is not None:
        return category.sla_policy
    standard = db.session.scalar(select(SlaPolicy).where(SlaPolicy.code == STANDARD_POLICY))
    # Without any policy in the database, fall back to the national defaults.
    return standard or SlaPolicy(
        code=STANDARD_POLICY,
        name="Default",
        verify_days=3,
        response_days=5,
        resolve_days=14,
        confirm_days=10,
        reminder_percent=75,
        level2_after_days=3,
    )


def working_calendar() -> WorkingCalendar:
    """The calendar with the admin-added holidays, rebuilt only when they change.

    The calendar and its per-year tables are reused across requests. Whether the
    holiday list changed is asked of the database (one cheap aggregate) only when
    a holiday edit was committed in this process or ``CALENDAR_RECHECK_SECONDS``
    passed, so most calls, intake's included, run no query at all. A session with
    uncommitted holiday edits gets a calendar of its own, never cached: a rollback
    must not leave those holidays behind.
    """
    timezone = current_app.config["ADUAN_TIMEZONE"]
    cache = current_app.extensions.setdefault("aduan_calendar", {})
    # Read before the database is asked: a holiday commit landing in between bumps
    # the generation after it, so what is stored under this one is rebuilt next time.
    generation = _holiday_generation
    cached = cache.get("calendar")
    if (
        cached is not None
        and cache.get("timezone") == timezone
        and cache.get("generation") == generation
        and time.monotonic() < cache.get("recheck_at", 0.0)
        and not db.session.info.get(_HOLIDAYS_EDITED)
    ):
        return cached
    # This query autoflushes the session's own pending holidays (and flags them).
    count, last_id = db.session.execute(select(func.count(Holiday.id), func.max(Holiday.id))).one()
    if db.session.info.get(_HOLIDAYS_EDITED):
        return _calendar_from_database(timezone)
    fingerprint = (timezone, count, last_id)
    with _calendar_lock:
        if (
            cache.get("calendar") is None
            or cache.get("fingerprint") != fingerprint
            or cache.get("generation") != generation  # an edit the fingerprint may not show
        ):
            cache["calendar"] = _calendar_from_database(timezone)
            cache["fingerprint"] = fingerprint
        cache["timezone"] = timezone
        cache["generation"] = generation
        cache["recheck_at"] = time.monotonic() + CALENDAR_RECHECK_SECONDS
        calendar: WorkingCalendar = cache["calendar"]
        return calendar


def _calendar_from_database(timezone: str) -> WorkingCalendar:
    days = db.session.scalars(select(Holiday.day)).all()
    return WorkingCalendar(timezone=timezone, extra_holidays=days)
