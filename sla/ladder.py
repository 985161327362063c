"""The escalation ladder: which steps a complaint's active deadlines have, and when.

Each active deadline (``verify`` while received; ``response`` and ``resolve``
while verified or in progress) has three steps, measured in working time:

* level 0, the reminder, at ``reminder_percent`` of the span from the instant
  the deadline's clock started to its due instant;
* level 1, the unit's supervisor, at the due instant itself;
* level 2, the regency level, ``level2_after_days`` working days later.

``response`` runs only until the first response. Each step fires once per
complaint and deadline; a sweep that runs late fires every step it missed, in
order, at once.

Everything here is pure computation over a complaint's stored columns, the
policy's knobs and the calendar, except :func:`fired_steps`, which reads the
``escalations`` rows already written. The sweep fires steps
(:mod:`sla.escalation`); :func:`sla.deadlines.next_action` asks for the first
step not fired yet.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Protocol

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Escalation, SlaPolicy, Status

from .calendar import WorkingCalendar

REMINDER = 0
UNIT_SUPERVISOR = 1
REGENCY_LEVEL = 2

# (stored deadline, level) of every step already fired for a complaint.
FiredSteps = Collection[tuple[str, int]]


class Deadline(enum.StrEnum):
    """The deadlines that have a ladder, as stored in ``escalations.deadline``.

    A resolution period restarted by a reopening is stored as ``resolve#1``,
    ``resolve#2`` … (see :attr:`EscalationStep.stored_deadline`).
    """

    VERIFY = "verify"
    RESPONSE = "response"
    RESOLVE = "resolve"


class DeadlineFacts(Protocol):
    """The stored columns the ladder reads: a :class:`Complaint`, or a plain row of them.

    The sweep passes light rows read with its claim rather than ORM objects;
    the workflow passes the complaint it is changing.
    """

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def verified_at(self) -> datetime | None: ...
    @property
    def in_progress_at(self) -> datetime | None: ...
    @property
    def first_response_at(self) -> datetime | None: ...
    @property
    def verify_due_at(self) -> datetime | None: ...
    @property
    def response_due_at(self) -> datetime | None: ...
    @property
    def resolve_due_at(self) -> datetime | None: ...
    @property
    def confirm_due_at(self) -> datetime | None: ...
    @property
    def reopened_count(self) -> int: ...


LADDER_STATUSES = (Status.RECEIVED, Status.VERIFIED, Status.IN_PROGRESS)
_RECEIVED = Status.RECEIVED.value
_RESPONDING = frozenset({Status.VERIFIED.value, Status.IN_PROGRESS.value})
_VERIFY, _RESPONSE, _RESOLVE = Deadline.VERIFY, Deadline.RESPONSE, Deadline.RESOLVE
_DEADLINE_ORDER = {deadline: index for index, deadline in enumerate(Deadline)}


@dataclass(frozen=True)
class LadderRules:
    """The knobs of a policy the ladder needs, checked once so bad data fails loudly."""

    policy_code: str
    reminder_percent: int
    level2_after_days: int

    @classmethod
    def of(cls, policy: SlaPolicy) -> LadderRules:
        """Read and check a policy's ladder knobs (ValueError names the policy on bad data)."""
        percent = policy.reminder_percent
        after = policy.level2_after_days
        # An admin form that stored 0 or 150 % would silently reorder the ladder;
        # refusing is better than reminding after the escalation.
        if percent is None or not 1 <= percent <= 100:
            raise ValueError(
                f"SLA policy {policy.code!r}: reminder_percent must be 1..100, got {percent!r}"
            )
        if after is None or after < 0:
            raise ValueError(
                f"SLA policy {policy.code!r}: level2_after_days must be >= 0, got {after!r}"
            )
        return cls(policy_code=policy.code, reminder_percent=percent, level2_after_days=after)


@dataclass(frozen=True)
class ActiveDeadline:
    """A deadline whose clock runs: ``started_at`` is when it began, ``due_at`` when it ends.

    ``period`` counts restarts of the same deadline (reopenings, for ``resolve``).
    """

    name: Deadline
    started_at: datetime
    due_at: datetime
    period: int = 0


@dataclass(frozen=True)
class EscalationStep:
    """One rung of the ladder: at ``at``, tell ``level``'s people about ``deadline``."""

    at: datetime
    deadline: Deadline
    level: int
    due_at: datetime
    period: int = 0

    @property
    def kind(self) -> str:
        """The event and notification kind: ``reminder`` (level 0) or ``escalation``."""
        return "reminder" if self.level == REMINDER else "escalation"

    @cached_property  # read several times per fired step by the sweep
    def stored_deadline(self) -> str:
        """The ``escalations.deadline`` value: ``resolve``, or ``resolve#1`` once reopened.

        A citizen who reopens a complaint starts a fresh resolution period,
        whose steps must fire again although the first period's already did.
        """
        return self.deadline.value if self.period == 0 else f"{self.deadline.value}#{self.period}"

    @cached_property
    def key(self) -> tuple[str, int]:
        """The step's identity in ``escalations``: (stored deadline, level)."""
        return (self.stored_deadline, self.level)

    def sort_key(self) -> tuple[datetime, int, int]:
        return (self.at, _DEADLINE_ORDER[self.deadline], self.level)


def active_deadlines(complaint: DeadlineFacts) -> list[ActiveDeadline]:
    """The deadlines running for the complaint's current status, with their start instants."""
    # Plain strings rather than Status members: the sweep calls this for every due row.
    status = complaint.status
    found: list[ActiveDeadline] = []
    if status == _RECEIVED:
        if complaint.verify_due_at is not None:
            found.append(ActiveDeadline(_VERIFY, complaint.created_at, complaint.verify_due_at))
        return found
    if status not in _RESPONDING:
        return found
    # Rows written before verification was stamped (imports) fall back to their creation.
    verified = complaint.verified_at or complaint.created_at
    if complaint.first_response_at is None and complaint.response_due_at is not None:
        found.append(ActiveDeadline(_RESPONSE, verified, complaint.response_due_at))
    if complaint.resolve_due_at is not None:
        started, period = verified, 0
        if complaint.reopened_count > 0 and complaint.in_progress_at is not None:
            # A citizen's reopening restarts the resolution clock (see apply_deadlines).
            started, period = complaint.in_progress_at, complaint.reopened_count
        found.append(ActiveDeadline(_RESOLVE, started, complaint.resolve_due_at, period))
    return found


def ladder_steps(
    deadline: ActiveDeadline, rules: LadderRules, calendar: WorkingCalendar
) -> list[EscalationStep]:
    """The three steps of one deadline, in working time on ``calendar``."""
    span = calendar.working_seconds_between(deadline.started_at, deadline.due_at)
    reminder_at = calendar.add_working_hours(
        deadline.started_at, max(span, 0.0) * rules.reminder_percent / 100 / 3600
    )
    # Counting from a start outside office hours begins at the next opening, which
    # can lie after a due instant that was itself set outside office hours.
    reminder_at = min(reminder_at, deadline.due_at)
    level2_at = calendar.add_working_days(deadline.due_at, rules.level2_after_days)
    name, due, period = deadline.name, deadline.due_at, deadline.period
    return [
        EscalationStep(reminder_at, name, REMINDER, due, period),
        EscalationStep(due, name, UNIT_SUPERVISOR, due, period),
        EscalationStep(max(level2_at, due), name, REGENCY_LEVEL, due, period),
    ]


def pending_steps(
    complaint: DeadlineFacts, rules: LadderRules, calendar: WorkingCalendar, fired: FiredSteps
) -> list[EscalationStep]:
    """Every step of the active deadlines not fired yet, earliest first."""
    steps = [
        step
        for deadline in active_deadlines(complaint)
        for step in ladder_steps(deadline, rules, calendar)
        if step.key not in fired
    ]
    return sorted(steps, key=EscalationStep.sort_key)


def fired_steps(complaint_ids: Collection[int]) -> dict[int, set[tuple[str, int]]]:
    """The (deadline, level) pairs already fired, per complaint id (one indexed query).

    No autoflush: callers are often halfway through changing the complaint, and
    the escalations they need were committed by earlier sweeps.
    """
    fired: dict[int, set[tuple[str, int]]] = {complaint_id: set() for complaint_id in complaint_ids}
    if not fired:
        return fired
    with db.session.no_autoflush:
        rows = db.session.execute(
            select(Escalation.complaint_id, Escalation.deadline, Escalation.level).where(
                Escalation.complaint_id.in_(list(fired))
            )
        )
        for complaint_id, deadline, level in rows:
            fired[complaint_id].add((deadline, level))
    return fired
