"""Which SLA policy applies to a complaint, and the working-time calendar in force."""

from __future__ import annotations

import threading

from flask import current_app
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Category, Complaint, Holiday, Kind, SlaPolicy

from .calendar import WorkingCalendar

STANDARD_POLICY = "standard"
INFORMATION_POLICY = "information"

_calendar_lock = threading.Lock()


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

    The fingerprint query is one cheap aggregate; the calendar's per-year
    tables are reused across requests while the holiday list is unchanged.
    """
    count, last_id = db.session.execute(select(func.count(Holiday.id), func.max(Holiday.id))).one()
    timezone = current_app.config["ADUAN_TIMEZONE"]
    fingerprint = (timezone, count, last_id)
    cache = current_app.extensions.setdefault("aduan_calendar", {})
    with _calendar_lock:
        cached = cache.get("calendar")
        if cached is not None and cache.get("fingerprint") == fingerprint:
            return cached
        days = db.session.scalars(select(Holiday.day)).all()
        calendar = WorkingCalendar(timezone=timezone, extra_holidays=days)
        cache["calendar"] = calendar
        cache["fingerprint"] = fingerprint
        return calendar


def forget_calendar() -> None:
    """Drop the cached calendar (after holidays are edited in the same process)."""
    current_app.extensions.get("aduan_calendar", {}).clear()
