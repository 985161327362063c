"""Deadlines computed when a complaint enters a status, stored on the row.

The sweep never recomputes these from scratch: it reads ``next_action_at``.
"""

from __future__ import annotations

from datetime import datetime

from complaints.models import Complaint, Priority, Status

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
    complaint.next_action_at = next_action(complaint)


def resolve_days(complaint: Complaint) -> int:
    policy = policy_for(complaint)
    if complaint.priority == Priority.URGENT and policy.urgent_resolve_days:
        return min(policy.resolve_days, policy.urgent_resolve_days)
    return policy.resolve_days


def next_action(complaint: Complaint) -> datetime | None:
    """The earliest stored deadline still pending for the complaint's status."""
    status = Status(complaint.status)
    candidates: list[datetime | None] = []
    if status == Status.RECEIVED:
        candidates.append(complaint.verify_due_at)
    elif status in (Status.VERIFIED, Status.IN_PROGRESS):
        if complaint.first_response_at is None:
            candidates.append(complaint.response_due_at)
        candidates.append(complaint.resolve_due_at)
    elif status == Status.RESOLVED:
        candidates.append(complaint.confirm_due_at)
    due = [moment for moment in candidates if moment is not None]
    return min(due) if due else None
