"""Which SLA policy applies to a complaint, and the working-time calendar in force."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from flask import current_app
from sqlalchemy import event, func, select

from complaints.extensions import db
from complaints.models import Category, Complaint, Holiday, Kind, SlaPolicy

from .calendar import WorkingCalendar

STANDARD_POLICY = "standard"
INFORMATION_POLICY = "information"

_calendar_lock = threading.Lock()

# How long a cached calendar is trusted without asking the database whether the
# holidays changed. Edits made through this process (the admin page, the CLI, a
# test) bump ``_holiday_edits`` and are seen at once; another worker's edit is seen
# within this many seconds.
CALENDAR_RECHECK_SECONDS = 60.0
_holiday_edits = itertools.count()
_holiday_generation = next(_holiday_edits)


def _holidays_edited(*_args: Any) -> None:
    global _holiday_generation
    _holiday_generation = next(_holiday_edits)


for _change in ("after_insert", "after_update", "after_delete"):
    event.listen(Holiday, _change, _holidays_edited)


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
    a holiday was written in this process or ``CALENDAR_RECHECK_SECONDS`` passed,
    so most calls, intake's included, run no query at all.
    """
    timezone = current_app.config["ADUAN_TIMEZONE"]
    cache = current_app.extensions.setdefault("aduan_calendar", {})
    generation = _holiday_generation
    cached = cache.get("calendar")
    if (
        cached is not None
        and cache.get("timezone") == timezone
        and cache.get("generation") == generation
        and time.monotonic() < cache.get("recheck_at", 0.0)
    ):
        return cached
    count, last_id = db.session.execute(select(func.count(Holiday.id), func.max(Holiday.id))).one()
    fingerprint = (timezone, count, last_id)
    with _calendar_lock:
        if cache.get("calendar") is None or cache.get("fingerprint") != fingerprint:
            days = db.session.scalars(select(Holiday.day)).all()
            cache["calendar"] = WorkingCalendar(timezone=timezone, extra_holidays=days)
            cache["fingerprint"] = fingerprint
        cache["timezone"] = timezone
        cache["generation"] = generation
        cache["recheck_at"] = time.monotonic() + CALENDAR_RECHECK_SECONDS
        calendar: WorkingCalendar = cache["calendar"]
        return calendar


def forget_calendar() -> None:
    """Drop the cached calendar (after holidays are edited in the same process)."""
    current_app.extensions.get("aduan_calendar", {}).clear()
