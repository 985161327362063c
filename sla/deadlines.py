"""Deadlines computed when a complaint enters a status, stored on the row.

The sweep never recomputes these from scratch: it reads ``next_action_at``.
"""

from __future__ import annotations

from datetime import datetime

from complaints.models import Complaint, Priority, Status

from .calendar import WorkingCalendar
from .ladder import LADDER_STATUSES, FiredSteps, LadderRules, fired_steps, pending_steps
from .policies import policy_for, working_calendar


def apply_deadlines(complaint: Complaint, entered: Status, now: datetime) -> None:
    """Stamp the deadlines that start when ``complaint`` enters ``entered`` at ``now``."""
    policy = policy_for(complaint)
    calendar = working_calendar()
    if entered == Status.RECEIVED:
        complaint.verify_due_at = calendar.add_working_days(now, policy.verify_days)
    elif entered == Status.VERIFIED:
        complaint.response_due_at = calendar.add_working_days(now, policy.response_days)
        complaint.resolve_due_at = calendar.add_working_days(now, resolve_days(complaint))
    elif entered == Status.IN_PROGRESS and complaint.resolved_at is not None:
        # Reopened by the citizen: a fresh resolution period starts now.
        complaint.resolve_due_at = calendar.add_working_days(now, resolve_days(complaint))
        complaint.confirm_due_at = None
    elif entered == Status.RESOLVED:
        complaint.confirm_due_at = calendar.add_working_days(now, policy.confirm_days)
    complaint.next_action_at = next_action(complaint, calendar=calendar)


def resolve_days(complaint: Complaint) -> int:
    policy = policy_for(complaint)
    if complaint.priority == Priority.URGENT and policy.urgent_resolve_days:
        return min(policy.resolve_days, policy.urgent_resolve_days)
    return policy.resolve_days


def next_action(
    complaint: Complaint,
    *,
    fired: FiredSteps | None = None,
    rules: LadderRules | None = None,
    calendar: WorkingCalendar | None = None,
) -> datetime | None:
    """The earliest instant at which the SLA sweep has something to do for ``complaint``.

    That is the first ladder step not fired yet of any active deadline (see
    :mod:`sla.ladder`), or for a resolved complaint the end of its confirmation
    window (auto-close); None when nothing is pending. ``fired`` defaults to the
    complaint's ``escalations`` rows (one indexed query); ``rules`` and
    ``calendar`` to its policy's and the app's. The sweep passes all three.
    """
    status = Status(complaint.status)
    if status == Status.RESOLVED:
        return complaint.confirm_due_at
    if status not in LADDER_STATUSES:
        return None
    if fired is None:
        fired = fired_steps([complaint.id]).get(complaint.id, set()) if complaint.id else set()
    steps = pending_steps(
        complaint,
        rules or LadderRules.of(policy_for(complaint)),
        calendar or working_calendar(),
        fired,
    )
    return steps[0].at if steps else None
