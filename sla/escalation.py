"""Firing a ladder step: who is told, and the rows that record that they were.

A fired step leaves, in the caller's transaction: one ``escalations`` row (its
unique key on complaint, deadline and level is the last line of defence
against firing twice), one internal ``complaint_events`` row by the actor
``sla``, an in-app notification per person told, and an outbox message per
person told and channel they chose on their profile (Telegram, SMS, e-mail:
:func:`complaints.notify.staff_targets`, as for every other staff notice).

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from complaints.bulk import insert_rows
from complaints.extensions import db
from complaints.i18n import LOCALES, local_time
from complaints.models import (
    ComplaintEvent,
    Escalation,
    Notification,
    Role,
    Unit,
    User,
)
from complaints.notify import staff_copies, subject_line
from complaints.outbox import QueuedMessage, enqueue_many
from complaints.workflow import Actor

from .ladder import REGENCY_LEVEL, REMINDER, UNIT_SUPERVISOR, Deadline, EscalationStep

logger = logging.getLogger(__name__)

SLA_ACTOR = Actor.system("sla")
# How a due instant reads in staff texts (in the office time zone), e.g. "30 Nov 2026 10:00".
DUE_FORMAT = "d MMM yyyy HH:mm"


class StepSubject(Protocol):
    """What firing a step reads of its complaint: a :class:`Complaint` or a plain row."""

    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def unit_id(self) -> int | None: ...
    @property
    def assignee_id(self) -> int | None: ...


@dataclass(frozen=True)
class StaffContact:
    """What the sweep needs of a staff member, detached from the session."""

    user_id: int
    unit_id: int | None
    role: str
    locale: str
    telegram_chat_id: str | None
    phone: str | None
    email: str | None
    # Where they chose to get notices (``users.notice_channels``); None: not chosen.
    notice_channels: tuple[str, ...] | None


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
            # A locale the catalogs do not have would fail every text for this person.
            locale = user.locale if user.locale in LOCALES else LOCALES[0]
            chosen = user.notice_channels
            person = StaffContact(
                user.id,
                user.unit_id,
                user.role,
                locale,
                user.telegram_chat_id,
                user.phone,
                user.email,
                tuple(chosen) if chosen is not None else None,
            )
            self._people[person.user_id] = person
            self._by_unit_role[(person.unit_id, person.role)].append(person)
            if person.role == Role.ADMIN:
                self._admins.append(person)
        self._loaded = True

    def audience(self, complaint: StepSubject, level: int) -> Audience:
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
    if deadline == Deadline.VERIFY:
        return gettext("verification")
    if deadline == Deadline.RESPONSE:
        return gettext("first response")
    return gettext("resolution")


def _staff_template(level: int) -> str:
    # gettext without variables returns the translated template; StepWording
    # fills it in, so each template is translated once per sweep, not per step.
    if level == REMINDER:
        return gettext("Reminder: the %(deadline)s deadline of complaint %(code)s is %(due)s.")
    if level == UNIT_SUPERVISOR:
        return gettext(
            "Complaint %(code)s missed its %(deadline)s deadline (%(due)s) "
            "and is escalated to you as supervisor."
        )
    return gettext(
        "Complaint %(code)s is still overdue after its %(deadline)s deadline (%(due)s) "
        "and is escalated to the regency level."
    )


def _subject_words(level: int) -> str:
    if level == REMINDER:
        return gettext("Deadline reminder")
    return gettext("Escalated complaint")


def _note_template(level: int) -> str:
    if level == REMINDER:
        return gettext("Reminder sent: the %(deadline)s deadline is %(due)s.")
    return gettext("Escalated to level %(level)d: the %(deadline)s deadline (%(due)s) has passed.")


class StepWording:
    """The texts of fired steps, in the readers' languages.

    Translations and formatted instants are cached for the object's life (a
    sweep), since thousands of steps share a handful of templates, deadlines
    and due instants.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, object], str] = {}
        self._default_locale: str = current_app.config.get("BABEL_DEFAULT_LOCALE", "id")

    def _memo(self, locale: str, what: str, value: object, make: Callable[[], str]) -> str:
        key = (locale, what, value)
        phrase = self._cache.get(key)
        if phrase is None:
            with force_locale(locale):
                phrase = make()
            self._cache[key] = phrase
        return phrase

    def _fields(self, locale: str, step: EscalationStep) -> dict[str, object]:
        deadline, due = step.deadline, step.due_at
        return {
            "deadline": self._memo(locale, "deadline", deadline, lambda: deadline_label(deadline)),
            "due": self._memo(locale, "due", due, lambda: local_time(due, DUE_FORMAT)),
            "level": step.level,
        }

    def staff_text(self, locale: str, complaint: StepSubject, step: EscalationStep) -> str:
        """What a staff member reading ``locale`` is told about ``step``."""
        level = step.level
        template = self._memo(locale, "staff", level, lambda: _staff_template(level))
        return template % {"code": complaint.code, **self._fields(locale, step)}

    def staff_subject(self, locale: str, complaint: StepSubject, step: EscalationStep) -> str:
        """The subject of the e-mail copy of :meth:`staff_text`."""
        level = step.level
        words = self._memo(locale, "subject", level, lambda: _subject_words(level))
        return subject_line(complaint.code, words)

    def event_note(self, step: EscalationStep) -> str:
        """The event's note, in the service's default language: every staff member reads it."""
        locale = self._default_locale
        level = step.level
        template = self._memo(locale, "note", level, lambda: _note_template(level))
        return template % self._fields(locale, step)


@dataclass(frozen=True)
class PreparedStep:
    """A step with everything decided: who is told, and the texts they get."""

    step: EscalationStep
    audience: Audience
    note: str
    # The staff text per locale of the people told, and its e-mail subject.
    texts: dict[str, str]
    subjects: dict[str, str]


def prepare_step(
    complaint: StepSubject, step: EscalationStep, directory: StaffDirectory, wording: StepWording
) -> PreparedStep:
    """Decide who hears about ``step`` and what they read; writes nothing.

    Everything that can fail on bad data fails here, before any row is added,
    so a sweep can drop the complaint without undoing half a step.
    """
    audience = directory.audience(complaint, step.level)
    locales = {person.locale for person in audience.staff}
    texts = {locale: wording.staff_text(locale, complaint, step) for locale in locales}
    subjects = {locale: wording.staff_subject(locale, complaint, step) for locale in locales}
    return PreparedStep(step, audience, wording.event_note(step), texts, subjects)


def record_steps(fired: Sequence[tuple[StepSubject, PreparedStep]], now: datetime) -> None:
    """Write the rows of fired steps at ``now``, in the caller's transaction.

    1. an escalation row per step (its unique key on complaint, deadline and
       level stops a second firing);
    2. an internal event per step by the actor ``sla``;
    3. an in-app notification per person told;
    4. an outbox message for each person told and each channel they get notices on.

    Each is one bulk write however many steps there are (the sweep passes a
    whole chunk); the outbox's idempotency keys are checked with one query
    (:func:`complaints.outbox.enqueue_many`). The caller stores the
    complaints' new ``escalation_level`` and ``next_action_at``.
    """
    escalations: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    messages: list[QueuedMessage] = []
    for complaint, prepared in fired:
        step, audience = prepared.step, prepared.audience
        escalations.append(
            {
                "complaint_id": complaint.id,
                "deadline": step.stored_deadline,
                "level": step.level,
                "due_at": step.due_at,
                "target_unit_id": audience.unit_id,
            }
        )
        events.append(_event_row(complaint, prepared))
        for person in audience.staff:
            body = prepared.texts[person.locale]
            notifications.append(
                {
                    "user_id": person.user_id,
                    "complaint_id": complaint.id,
                    "kind": step.kind,
                    "body": body,
                }
            )
            messages.extend(
                _copies_outside_the_app(complaint, step, person, body, prepared.subjects)
            )
        if not audience.staff:
            logger.warning(
                "complaint %s: %s step %s/%d has nobody to notify",
                complaint.code,
                step.kind,
                step.stored_deadline,
                step.level,
            )
    # Bulk writes (executemany on SQLite, COPY on PostgreSQL; no RETURNING):
    # nobody needs the new ids, and ORM objects would add bookkeeping per row.
    insert_rows(Escalation.__tablename__, escalations, {"fired_at": now})
    insert_rows(ComplaintEvent.__tablename__, events, {"at": now})
    insert_rows(Notification.__tablename__, notifications, {"created_at": now})
    if messages:
        enqueue_many(messages)


def _event_row(complaint: StepSubject, prepared: PreparedStep) -> dict[str, Any]:
    """The ``complaint_events`` row of a fired step, as workflow.record_event would write it.

    Its instant, ``at``, is the sweep's ``now``, added by the caller for all rows at once.
    """
    step, audience = prepared.step, prepared.audience
    return {
        "complaint_id": complaint.id,
        "kind": step.kind,
        "actor_user_id": None,
        "actor_label": SLA_ACTOR.label,
        "note": prepared.note,
        "public": False,
        "data": {
            "deadline": step.stored_deadline,
            "level": step.level,
            "due_at": step.due_at.isoformat(),
            "target_unit_id": audience.unit_id,
            "notified": [person.user_id for person in audience.staff],
        },
    }


def _copies_outside_the_app(
    complaint: StepSubject,
    step: EscalationStep,
    person: StaffContact,
    body: str,
    subjects: dict[str, str],
) -> list[QueuedMessage]:
    """The copies of a staff text on the channels ``person`` chose (none without any).

    Keyed by complaint, deadline, level and person (the first channel; the
    others add their name), so a step queued again adds no row.
    """
    key = f"sla-{complaint.id}-{step.stored_deadline}-{step.level}-user-{person.user_id}"
    return staff_copies(
        person,
        body,
        key,
        user_id=person.user_id,
        locale=person.locale,
        subject=subjects[person.locale],
        complaint_id=complaint.id,
    )
