"""Firing a ladder step: who is told, and the rows that record that they were.

A fired step leaves, in the caller's transaction: one ``escalations`` row (its
unique key on complaint, deadline and level is the last line of defence
against firing twice), one internal ``complaint_events`` row by the actor
``sla``, an in-app notification per person told, and an outbox message per
person who linked Telegram or a phone.

Who is told, by level:

* 0 (reminder): the assignee; else the officers of the complaint's unit;
* 1 (deadline passed): the supervisors of the complaint's unit, else of the
  nearest parent unit that has any;
* 2 (regency level): the supervisors of the regency-level units (Bagian
  Organisasi, Inspektorat …); else the admins.

When a level finds nobody it falls through to the next one, so a step never
fires into the void just because a unit has no staff yet.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from complaints.extensions import db
from complaints.i18n import local_time
from complaints.models import Complaint, Escalation, Notification, Role, Unit, User
from complaints.outbox import enqueue
from complaints.workflow import Actor, record_event

from .ladder import REGENCY_LEVEL, REMINDER, UNIT_SUPERVISOR, Deadline, EscalationStep

logger = logging.getLogger(__name__)

SLA_ACTOR = Actor.system("sla")


@dataclass(frozen=True)
class StaffContact:
    """What the sweep needs of a staff member, detached from the session."""

    user_id: int
    unit_id: int | None
    role: str
    locale: str
    telegram_chat_id: str | None
    phone: str | None

    def outbound_address(self) -> tuple[str, str] | None:
        """(channel, address) for a Telegram or SMS copy, Telegram first; None without either."""
        if self.telegram_chat_id:
            return "telegram", self.telegram_chat_id
        if self.phone:
            return "sms", self.phone
        return None


@dataclass(frozen=True)
class Audience:
    """The people one step tells, and the unit they were chosen from (None for admins)."""

    unit_id: int | None
    staff: tuple[StaffContact, ...]


class StaffDirectory:
    """Active staff and the unit tree, read once (lazily) and reused for a whole sweep.

    Both tables are small (tens of units, hundreds of staff), so one query
    each beats one query per fired step.
    """

    def __init__(self) -> None:
        self._loaded = False
        self._people: dict[int, StaffContact] = {}
        self._by_unit_role: dict[tuple[int | None, str], list[StaffContact]] = defaultdict(list)
        self._parent_of: dict[int, int | None] = {}
        self._regency_units: list[int] = []
        self._admins: list[StaffContact] = []

    def _load(self) -> None:
        if self._loaded:
            return
        for unit_id, parent_id, regency, active in db.session.execute(
            select(Unit.id, Unit.parent_id, Unit.is_regency_level, Unit.active).order_by(Unit.id)
        ):
            self._parent_of[unit_id] = parent_id
            if regency and active:
                self._regency_units.append(unit_id)
        for user in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)):
            person = StaffContact(
                user.id, user.unit_id, user.role, user.locale, user.telegram_chat_id, user.phone
            )
            self._people[person.user_id] = person
            self._by_unit_role[(person.unit_id, person.role)].append(person)
            if person.role == Role.ADMIN:
                self._admins.append(person)
        self._loaded = True

    def audience(self, complaint: Complaint, level: int) -> Audience:
        """Who hears about ``complaint`` at ``level`` (see the module docstring)."""
        self._load()
        if level <= REMINDER:
            assignee = self._people.get(complaint.assignee_id or 0)
            if assignee is not None:
                return Audience(complaint.unit_id, (assignee,))
            officers = self._by_unit_role.get((complaint.unit_id, Role.OFFICER.value), [])
            if complaint.unit_id is not None and officers:
                return Audience(complaint.unit_id, tuple(officers))
            return self.audience(complaint, UNIT_SUPERVISOR)
        if level == UNIT_SUPERVISOR:
            for unit_id in self._chain(complaint.unit_id):
                supervisors = self._by_unit_role.get((unit_id, Role.SUPERVISOR.value), [])
                if supervisors:
                    return Audience(unit_id, tuple(supervisors))
            return self.audience(complaint, REGENCY_LEVEL)
        regency = [
            person
            for unit_id in self._regency_units
            for person in self._by_unit_role.get((unit_id, Role.SUPERVISOR.value), [])
        ]
        if regency:
            return Audience(regency[0].unit_id, tuple(regency))
        return Audience(None, tuple(self._admins))

    def _chain(self, unit_id: int | None) -> list[int]:
        """The unit and its ancestors, nearest first (a cycle in bad data ends the walk)."""
        chain: list[int] = []
        while unit_id is not None and unit_id not in chain:
            chain.append(unit_id)
            unit_id = self._parent_of.get(unit_id)
        return chain


def deadline_label(deadline: Deadline) -> str:
    """The deadline in plain words, in the current locale."""
    labels = {
        Deadline.VERIFY: gettext("verification"),
        Deadline.RESPONSE: gettext("first response"),
        Deadline.RESOLVE: gettext("resolution"),
    }
    return labels[deadline]


def _staff_text(complaint: Complaint, step: EscalationStep) -> str:
    fields = {
        "code": complaint.code,
        "deadline": deadline_label(step.deadline),
        "due": local_time(step.due_at, "d MMM yyyy HH:mm"),
    }
    if step.level == REMINDER:
        return gettext(
            "Reminder: the %(deadline)s deadline of complaint %(code)s is %(due)s.", **fields
        )
    if step.level == UNIT_SUPERVISOR:
        return gettext(
            "Complaint %(code)s missed its %(deadline)s deadline (%(due)s) "
            "and is escalated to you as supervisor.",
            **fields,
        )
    return gettext(
        "Complaint %(code)s is still overdue after its %(deadline)s deadline (%(due)s) "
        "and is escalated to the regency level.",
        **fields,
    )


def _event_note(step: EscalationStep) -> str:
    # Event notes are read by every staff member, so they are written once in the
    # service's default language rather than in one reader's.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "id")):
        due = local_time(step.due_at, "d MMM yyyy HH:mm")
        if step.level == REMINDER:
            return gettext(
                "Reminder sent: the %(deadline)s deadline is %(due)s.",
                deadline=deadline_label(step.deadline),
                due=due,
            )
        return gettext(
            "Escalated to level %(level)d: the %(deadline)s deadline (%(due)s) has passed.",
            level=step.level,
            deadline=deadline_label(step.deadline),
            due=due,
        )


def escalate_complaint(
    complaint: Complaint, step: EscalationStep, now: datetime, directory: StaffDirectory
) -> Audience:
    """Fire ``step`` for ``complaint`` at ``now``, in the caller's transaction.

    1. choose the audience for the step's level;
    2. write the escalation row and the internal event (flushed, so a step
       fired twice fails here on the unique key);
    3. add an in-app notification per person, and an outbox message for
       those with Telegram or a phone, in their own language;
    4. raise the complaint's ``escalation_level`` to the step's level.
    """
    audience = directory.audience(complaint, step.level)
    db.session.add(
        Escalation(
            complaint_id=complaint.id,
            deadline=step.deadline.value,
            level=step.level,
            due_at=step.due_at,
            fired_at=now,
            target_unit_id=audience.unit_id,
        )
    )
    record_event(
        complaint,
        SLA_ACTOR,
        step.kind,
        note=_event_note(step),
        public=False,
        data={
            "deadline": step.deadline.value,
            "level": step.level,
            "due_at": step.due_at.isoformat(),
            "target_unit_id": audience.unit_id,
            "notified": [person.user_id for person in audience.staff],
        },
        now=now,
    )
    texts: dict[str, str] = {}
    for person in audience.staff:
        if person.locale not in texts:
            with force_locale(person.locale):
                texts[person.locale] = _staff_text(complaint, step)
        body = texts[person.locale]
        db.session.add(
            Notification(
                user_id=person.user_id,
                complaint_id=complaint.id,
                kind=step.kind,
                body=body,
                created_at=now,
            )
        )
        address = person.outbound_address()
        if address is not None:
            channel, to = address
            key = f"sla-{complaint.id}-{step.deadline.value}-{step.level}-user-{person.user_id}"
            enqueue(channel, to, body, key, complaint_id=complaint.id, user_id=person.user_id)
    if not audience.staff:
        logger.warning(
            "complaint %s: %s step %s/%d has nobody to notify",
            complaint.code,
            step.kind,
            step.deadline.value,
            step.level,
        )
    complaint.escalation_level = max(complaint.escalation_level or 0, step.level)
    return audience
