"""The one place where a complaint changes status.

Every move is checked against :data:`TRANSITIONS`, stamps its timestamps,
recomputes the stored deadlines, writes a ``complaint_events`` row and queues
what the citizen must be told — all in the caller's transaction. Callers
commit with :func:`commit`, which turns a lost optimistic-lock race into
:class:`~complaints.errors.ConcurrentChange`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from sla.deadlines import apply_deadlines, next_action

from . import attachments, clock, durations, ikm, notify, report_changes
from .errors import ConcurrentChange, DomainError, InvalidTransition, ValidationFailed
from .extensions import db
from .models import (
    Attachment,
    Category,
    Complaint,
    ComplaintEvent,
    Kind,
    Message,
    MessageKind,
    Priority,
    Status,
    SurveyResponse,
    Unit,
    User,
)

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.VERIFIED, Status.REJECTED, Status.MERGED}),
    Status.VERIFIED: frozenset({Status.IN_PROGRESS, Status.REJECTED, Status.MERGED}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.MERGED: frozenset(),
}

# Who chose a complaint's unit (``complaints.routed_by``): staff and LAPOR! history
# ("history") teach the routing model; the model's own choices ("model") do not.
ROUTED_BY_STAFF = "staff"
ROUTED_BY_MODEL = "model"

_TIMESTAMP_OF = {
    Status.VERIFIED: "verified_at",
    Status.IN_PROGRESS: "in_progress_at",
    Status.RESOLVED: "resolved_at",
    Status.CLOSED: "closed_at",
    Status.REJECTED: "rejected_at",
    Status.MERGED: "merged_at",
}


def _changed_meanwhile() -> ConcurrentChange:
    db.session.rollback()
    return ConcurrentChange(
        gettext("This complaint was changed by someone else meanwhile. Please reload it.")
    )


def guarded(operation: Callable[P, R]) -> Callable[P, R]:
    """Turn a lost optimistic-lock race, wherever SQLAlchemy flushes, into ConcurrentChange."""

    @functools.wraps(operation)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return operation(*args, **kwargs)
        except StaleDataError:
            raise _changed_meanwhile() from None

    return run


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member, or a labelled non-staff party (citizen, sla, system)."""

    user: User | None
    label: str

    @classmethod
    def staff(cls, user: User) -> Actor:
        return cls(user=user, label="staff")

    @classmethod
    def citizen(cls) -> Actor:
        return cls(user=None, label="citizen")

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user=None, label=label)


def allowed_moves(status: str) -> frozenset[Status]:
    return TRANSITIONS[Status(status)]


@guarded
def record_event(
    complaint: Complaint,
    actor: Actor,
    kind: str,
    *,
    note: str | None = None,
    public: bool = False,
    from_status: str | None = None,
    to_status: str | None = None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ComplaintEvent:
    """Append an audit event and flush it so its id can key outbound messages.

    Every change the workflow makes to a complaint comes with an event, so this
    is also where the change is marked for the stored report parts of the
    complaint's month (when that month is over: :mod:`complaints.report_changes`).
    """
    event = new_event(
        actor,
        kind,
        at=now or clock.now(),
        note=note,
        public=public,
        from_status=from_status,
        to_status=to_status,
        data=data,
    )
    event.complaint = complaint
    db.session.add(event)
    db.session.flush()
    report_changes.mark(complaint.created_at)
    return event


def new_event(
    actor: Actor,
    kind: str,
    *,
    at: datetime,
    note: str | None = None,
    public: bool = False,
    from_status: str | None = None,
    to_status: str | None = None,
    data: dict[str, Any] | None = None,
) -> ComplaintEvent:
    """An event row, not yet added anywhere: what :func:`record_event` appends.

    Intake writes a new complaint's first event itself, with its other rows in
    plain INSERTs, from this same row.
    """
    return ComplaintEvent(
        at=at,
        kind=kind,
        actor_user_id=actor.user.id if actor.user else None,
        actor_label=actor.label,
        from_status=from_status,
        to_status=to_status,
        note=note,
        public=public,
        data=data,
    )


@guarded
def transition(
    complaint: Complaint,
    to: Status | str,
    actor: Actor,
    *,
    note: str | None = None,
    public_note: bool = False,
    now: datetime | None = None,
) -> ComplaintEvent:
    """Move ``complaint`` to status ``to``; the generic step behind every service below.

    1. refuse a move the table does not allow (InvalidTransition);
    2. stamp the status and its timestamp;
    3. recompute the stored deadlines;
    4. write the event and queue the citizen's notice.
    """
    target = Status(to)
    current = Status(complaint.status)
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            current.value, target.value, [s.value for s in TRANSITIONS[current]]
        )
    moment = now or clock.now()
    complaint.status = target.value
    setattr(complaint, _TIMESTAMP_OF[target], moment)
    complaint.updated_at = moment
    if target == Status.IN_PROGRESS and complaint.first_response_at is None:
        complaint.first_response_at = moment
    durations.record(complaint, resolved=target == Status.RESOLVED)
    apply_deadlines(complaint, target, moment)
    event = record_event(
        complaint,
        actor,
        "status",
        note=note,
        public=public_note,
        from_status=current.value,
        to_status=target.value,
        now=moment,
    )
    notify.status_changed(complaint, event)
    logger.info("complaint %s: %s -> %s by %s", complaint.code, current, target, actor.label)
    return event


@guarded
def commit() -> None:
    """Commit the session; a concurrent edit of the same complaint becomes ConcurrentChange."""
    db.session.commit()


def _required(value: str | None, field: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise ValidationFailed({field: gettext("This field is required.")})
    return cleaned


@guarded
def verify_complaint(
    complaint: Complaint,
    actor: Actor,
    *,
    unit: Unit | None = None,
    category: Category | None = None,
    kind: str | None = None,
    note: str | None = None,
    routed_by: str = ROUTED_BY_STAFF,
    now: datetime | None = None,
) -> ComplaintEvent:
    """Accept a complaint as valid and route it to a unit (category and kind may be corrected).

    ``routed_by`` says who chose the unit: staff (a training example for the
    routing model, whether they kept the unit shown or picked another) or the
    model itself (:mod:`complaints.routing.auto`), which teaches nothing.
    """
    if category is not None:
        complaint.category = category
    if kind is not None:
        complaint.kind = Kind(kind).value
    routed_to = unit or complaint.unit or complaint.category.default_unit
    if routed_to is None:
        raise ValidationFailed({"unit": gettext("Choose the unit that will handle it.")})
    complaint.unit = routed_to
    complaint.routed_by = routed_by
    return transition(complaint, Status.VERIFIED, actor, note=note, now=now)


REROUTABLE = frozenset({Status.VERIFIED, Status.IN_PROGRESS})


class NotReroutable(DomainError):
    """The complaint is not verified and unfinished, so it stays with its unit.

    Its own class so a caller (the queue's bulk route) can word the refusal
    its own way; API clients see the plain ``domain_error`` as before.
    """


@guarded
def reroute_complaint(
    complaint: Complaint,
    unit: Unit | None,
    actor: Actor,
    reason: str | None,
    *,
    now: datetime | None = None,
) -> ComplaintEvent:
    """Hand a verified (or in-progress) complaint to another unit, keeping its status.

    The deadlines stay as they are: they were set by the complaint's policy
    (its category and kind, not its unit) when it was verified, and the
    citizen's clock keeps running whoever holds the complaint. Escalation
    steps already fired stay fired. The assignee is cleared unless they work
    in the new unit. The event (kind ``reroute``) keeps both units, the
    cleared assignee and the reason, which is for staff only.
    """
    if Status(complaint.status) not in REROUTABLE:
        raise NotReroutable(
            gettext(
                "Only a verified complaint that is not resolved yet can be moved to another unit."
            )
        )
    if unit is None or not unit.active:
        raise ValidationFailed({"unit": gettext("Choose the unit that will handle it.")})
    if unit.id == complaint.unit_id:
        raise ValidationFailed({"unit": gettext("The complaint is already with this unit.")})
    explanation = _required(reason, "reason")
    moment = now or clock.now()
    previous_unit, previous_assignee = complaint.unit_id, complaint.assignee
    complaint.unit = unit
    # A move by staff is their decision, and overturns an automatic routing: an example.
    complaint.routed_by = ROUTED_BY_STAFF
    unassigned = previous_assignee is not None and previous_assignee.unit_id != unit.id
    if unassigned:
        complaint.assignee = None
    complaint.updated_at = moment
    logger.info("complaint %s: rerouted to unit %s by %s", complaint.code, unit.code, actor.label)
    return record_event(
        complaint,
        actor,
        "reroute",
        note=explanation,
        data={
            "from": previous_unit,
            "to": unit.id,
            "unassigned": previous_assignee.id if unassigned and previous_assignee else None,
        },
        now=moment,
    )


@guarded
def start_work(
    complaint: Complaint, actor: Actor, *, note: str | None = None, now: datetime | None = None
) -> ComplaintEvent:
    return transition(complaint, Status.IN_PROGRESS, actor, note=note, now=now)


@guarded
def resolve_complaint(
    complaint: Complaint,
    actor: Actor,
    resolution: str | None,
    *,
    files: Sequence[Attachment] = (),
    now: datetime | None = None,
) -> ComplaintEvent:
    """Mark resolved with the text the citizen will read; asks them to confirm and rate.

    The resolution is also kept as a public message, the one ``files`` (photos
    of the work done, a report) hang on; the event names it (``data.message``).
    The tracking page shows it as the resolution, not among the replies.
    """
    complaint.resolution = _required(resolution, "resolution")
    moment = now or clock.now()
    message = _message_with_files(
        complaint, MessageKind.PUBLIC_REPLY, complaint.resolution, moment, actor, files
    )
    event = transition(
        complaint, Status.RESOLVED, actor, note=complaint.resolution, public_note=True, now=moment
    )
    event.data = {"message": message.id}
    return event


@guarded
def reject_complaint(
    complaint: Complaint, actor: Actor, reason: str | None, *, now: datetime | None = None
) -> ComplaintEvent:
    """Reject with a reason that is told to the citizen."""
    complaint.rejection_reason = _required(reason, "reason")
    return transition(
        complaint,
        Status.REJECTED,
        actor,
        note=complaint.rejection_reason,
        public_note=True,
        now=now,
    )


@guarded
def merge_complaint(
    complaint: Complaint,
    actor: Actor,
    into: Complaint | None,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> ComplaintEvent:
    """Mark ``complaint`` a duplicate of ``into`` (which must not itself be merged)."""
    if into is None:
        raise ValidationFailed({"duplicate_of": gettext("Name the complaint it duplicates.")})
    if into.id == complaint.id:
        raise DomainError(gettext("A complaint cannot be merged into itself."))
    if into.status == Status.MERGED:
        raise DomainError(gettext("That complaint is itself merged; merge into the original."))
    complaint.duplicate_of = into
    return transition(complaint, Status.MERGED, actor, note=note, now=now)


@guarded
def confirm_resolution(complaint: Complaint, *, now: datetime | None = None) -> ComplaintEvent:
    """The citizen confirms the resolution: the complaint closes."""
    complaint.citizen_confirmed = True
    return transition(complaint, Status.CLOSED, Actor.citizen(), now=now)


@guarded
def reopen_complaint(
    complaint: Complaint, reason: str | None, *, now: datetime | None = None
) -> ComplaintEvent:
    """The citizen says it is not resolved: back to the unit with a fresh deadline."""
    explanation = _required(reason, "reason")
    complaint.citizen_confirmed = False
    complaint.reopened_count += 1
    return transition(
        complaint, Status.IN_PROGRESS, Actor.citizen(), note=explanation, public_note=True, now=now
    )


@guarded
def assign_complaint(
    complaint: Complaint, actor: Actor, assignee: User | None, *, now: datetime | None = None
) -> ComplaintEvent:
    """Give the complaint to an officer (or take it back with ``None``)."""
    if not complaint.is_open:
        raise DomainError(gettext("A finished complaint cannot be assigned."))
    previous = complaint.assignee_id
    complaint.assignee = assignee
    complaint.updated_at = now or clock.now()
    return record_event(
        complaint,
        actor,
        "assign",
        data={"from": previous, "to": assignee.id if assignee else None},
        now=now,
    )


def _add_message(
    complaint: Complaint,
    kind: MessageKind,
    body: str,
    moment: datetime,
    *,
    actor: Actor | None = None,
    channel: str | None = None,
) -> Message:
    message = Message(
        complaint=complaint,
        at=moment,
        kind=kind.value,
        author_user_id=actor.user.id if actor is not None and actor.user else None,
        body=body,
        channel=channel,
    )
    db.session.add(message)
    return message


def _message_with_files(
    complaint: Complaint,
    kind: MessageKind,
    text: str,
    moment: datetime,
    actor: Actor,
    files: Sequence[Attachment],
) -> Message:
    """A staff message, flushed so its id keys its files and names it in its event."""
    channel = complaint.channel if kind == MessageKind.PUBLIC_REPLY else None
    message = _add_message(complaint, kind, text, moment, actor=actor, channel=channel)
    db.session.flush()
    attachments.attach_to_message(complaint, message.id, files, now=moment)
    return message


@guarded
def reply_to_citizen(
    complaint: Complaint,
    actor: Actor,
    body: str | None,
    *,
    files: Sequence[Attachment] = (),
    now: datetime | None = None,
) -> Message:
    """A public reply: shown on the tracking page and sent on the citizen's channel.

    ``files`` (checked by :func:`complaints.attachments.validated_files`) are
    shown under it, on the tracking page too.
    """
    text = _required(body, "body")
    moment = now or clock.now()
    message = _message_with_files(complaint, MessageKind.PUBLIC_REPLY, text, moment, actor, files)
    if complaint.first_response_at is None and complaint.status != Status.RECEIVED:
        complaint.first_response_at = moment
        durations.record(complaint)
        complaint.next_action_at = next_action(complaint)
    complaint.updated_at = moment
    event = record_event(
        complaint, actor, "reply", note=text, public=True, data={"message": message.id}, now=moment
    )
    notify.staff_replied(complaint, event, text)
    return message


@guarded
def receive_citizen_message(
    complaint: Complaint,
    body: str,
    channel: str,
    *,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Message:
    """A message from the citizen about their complaint (an answer, a late detail).

    Stored as an inbound message for staff, with an internal event; the
    citizen wrote it, so nothing is sent back.
    """
    moment = now or clock.now()
    message = _add_message(complaint, MessageKind.INBOUND, body, moment, channel=channel)
    complaint.updated_at = moment
    record_event(
        complaint,
        Actor.citizen(),
        "citizen_message",
        note=body,
        public=False,
        data={"channel": channel, **(data or {})},
        now=moment,
    )
    return message


@guarded
def amend_description(
    complaint: Complaint,
    addition: str,
    separator: str = " ",
    *,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ComplaintEvent:
    """Append the rest of a report that arrived in parts (only before it is verified)."""
    if complaint.status != Status.RECEIVED:
        raise DomainError(gettext("A report can only be extended before it is checked."))
    moment = now or clock.now()
    complaint.description = complaint.description + separator + addition
    complaint.updated_at = moment
    return record_event(complaint, Actor.citizen(), "amend", note=addition, data=data, now=moment)


@guarded
def add_internal_note(
    complaint: Complaint,
    actor: Actor,
    body: str | None,
    *,
    files: Sequence[Attachment] = (),
    now: datetime | None = None,
) -> Message:
    """A note for staff only; never shown or sent to the citizen, nor its ``files``."""
    text = _required(body, "body")
    moment = now or clock.now()
    message = _message_with_files(complaint, MessageKind.INTERNAL_NOTE, text, moment, actor, files)
    record_event(
        complaint, actor, "note", note=text, public=False, data={"message": message.id}, now=moment
    )
    return message


@guarded
def change_priority(
    complaint: Complaint, actor: Actor, priority: str, *, now: datetime | None = None
) -> ComplaintEvent:
    new = Priority(priority).value
    previous = complaint.priority
    complaint.priority = new
    complaint.updated_at = now or clock.now()
    return record_event(complaint, actor, "priority", data={"from": previous, "to": new}, now=now)


@guarded
def rate_complaint(
    complaint: Complaint,
    answers: Mapping[str, int | None],
    comment: str | None = None,
    *,
    profile: Mapping[str, str | None] | None = None,
    now: datetime | None = None,
) -> ComplaintEvent:
    """The citizen's SKM survey (PermenPAN-RB 14/2017): nine answers on 1–4, once.

    A question the citizen skipped ("tidak berlaku": None or absent) is stored
    as NULL; at least one must be answered. ``profile`` holds the optional
    respondent profile (``respondent_sex`` … ``respondent_occupation``, each a
    value of its enum or None). Writes one ``SurveyResponse`` (unique per
    complaint, with the complaint's unit for the per-unit IKM) and a ``rating``
    event. ``Complaint.satisfaction`` keeps a 1–5 summary of the answers given
    (see :func:`complaints.ikm.satisfaction_on_five`) so "has this complaint
    been rated" stays one column.
    """
    if complaint.status not in (Status.RESOLVED, Status.CLOSED):
        raise DomainError(gettext("A complaint can be rated once it is resolved."))
    already = db.session.scalar(
        select(SurveyResponse.id).where(SurveyResponse.complaint_id == complaint.id)
    )
    if complaint.satisfaction is not None or already is not None:
        raise DomainError(gettext("This complaint has already been rated."))
    checked = _checked_answers(answers)
    respondent = _checked_profile(profile or {})
    moment = now or clock.now()
    text = (comment or "").strip() or None
    db.session.add(
        SurveyResponse(
            complaint_id=complaint.id,
            unit_id=complaint.unit_id,
            comment=text,
            created_at=moment,
            **checked,
            **respondent,
        )
    )
    complaint.satisfaction = ikm.satisfaction_on_five(checked)
    complaint.satisfaction_comment = text
    complaint.rated_at = moment
    data: dict[str, Any] = {"survey": checked}
    if respondent:
        data["profile"] = respondent
    return record_event(complaint, Actor.citizen(), "rating", data=data, public=False, now=moment)


def _checked_answers(answers: Mapping[str, int | None]) -> dict[str, int]:
    """The answered elements (1–4), skipped ones left out; ValidationFailed otherwise."""
    given = {name: answers.get(name) for name in ikm.ELEMENT_NAMES}
    wrong = [
        name
        for name, score in given.items()
        if score is not None
        and (not isinstance(score, int) or not ikm.MIN_SCORE <= score <= ikm.MAX_SCORE)
    ]
    if wrong:
        raise ValidationFailed({name: gettext("Choose an answer from 1 to 4.") for name in wrong})
    checked = {name: int(score) for name, score in given.items() if score is not None}
    if not checked:
        raise ValidationFailed({"survey": gettext("Answer at least one question.")})
    return checked


def _checked_profile(profile: Mapping[str, str | None]) -> dict[str, str]:
    """The respondent profile's given values; ValidationFailed for a value not on the list."""
    given = {}
    for column, choices in ikm.PROFILE_QUESTIONS:
        value = profile.get(column)
        if not value:
            continue
        if value not in {choice.value for choice in choices}:
            raise ValidationFailed({column: gettext("Choose one of the listed answers.")})
        given[column] = str(value)
    return given
