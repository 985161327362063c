"""Staff actions requested through the API, mapped onto the workflow's service functions.

Every status change goes through :mod:`complaints.workflow`; this module only
refuses the body's members as each move needs them (a move reads only its
own), resolves codes and e-mail addresses to rows (within what the token's
user may see) and picks the service function for the target status. The
caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import gettext

from complaints import clock, workflow
from complaints.categories import active_category
from complaints.codes import complaint_by_code
from complaints.errors import ConcurrentChange, InvalidTransition, ValidationFailed
from complaints.extensions import db
from complaints.models import AuditLog, Complaint, Kind, Message, Status, User
from complaints.staff import access
from complaints.workflow import Actor

from .errors import ApiError
from .inputs import unit_by_code
from .request_bodies import Checked, NewMessage, Transition

logger = logging.getLogger(__name__)


def not_found() -> ApiError:
    return ApiError(404, "not_found", gettext("No complaint has this tracking code."))


def visible_complaint(user: User, raw_code: str) -> Complaint:
    """The complaint if ``user`` may see it; 404 otherwise, so codes outside reach leak nothing."""
    complaint = complaint_by_code(raw_code)
    if complaint is None or not access.can_see(user, complaint):
        raise not_found()
    return complaint


def audit(user: User, action: str, complaint: Complaint, **detail: Any) -> None:
    """Record an API action in the audit log (committed with the action)."""
    db.session.add(
        AuditLog(
            at=clock.now(),
            actor_user_id=user.id,
            action=f"api_{action}",
            target_type="complaint",
            target_id=complaint.id,
            ip=request.remote_addr,
            detail={"via": "api", **detail},
        )
    )


def check_version(complaint: Complaint, expected: int | None) -> None:
    """Optional optimistic check: refuse when the client acted on an older version."""
    if expected is not None and expected != complaint.version:
        raise ConcurrentChange(
            gettext("This complaint was changed by someone else meanwhile. Please reload it.")
        )


def _assignee(complaint: Complaint, value: str | int | None) -> User | None:
    """The officer named by e-mail or id, who must be active staff of the complaint's unit."""
    if value is None or value == "":
        return None
    candidates = access.assignable_officers(complaint)
    for officer in candidates:
        if value in (officer.email, officer.id) or (
            isinstance(value, str) and value.strip().lower() == officer.email
        ):
            return officer
    raise ValidationFailed(
        {"assignee": gettext("Name an active officer of the complaint's unit (e-mail or id).")}
    )


def assign(complaint: Complaint, actor: Actor, value: str | int | None) -> None:
    """Give the complaint to the officer named by ``value`` (checked by the body's model)."""
    workflow.assign_complaint(complaint, actor, _assignee(complaint, value))


def _verify(complaint: Complaint, actor: Actor, checked: Checked[Transition]) -> None:
    checked.refuse("unit", "category", "kind", "note")
    body = checked.body
    unit_code, category_code, kind, note = body.unit, body.category, body.kind, body.note
    unit = unit_by_code(unit_code)
    category = active_category(category_code)
    errors = {}
    if unit_code and unit is None:
        errors["unit"] = gettext("No unit has this code.")
    if category_code and category is None:
        errors["category"] = gettext("No category has this code.")
    if kind is not None and kind not in {k.value for k in Kind}:
        errors["kind"] = gettext("Choose a kind of report.")
    if errors:
        raise ValidationFailed(errors)
    workflow.verify_complaint(
        complaint, actor, unit=unit, category=category, kind=kind, note=note or None
    )


def _start(complaint: Complaint, actor: Actor, checked: Checked[Transition]) -> None:
    checked.refuse("note")
    workflow.start_work(complaint, actor, note=checked.body.note or None)


def _resolve(complaint: Complaint, actor: Actor, checked: Checked[Transition]) -> None:
    checked.refuse("note")
    try:
        workflow.resolve_complaint(complaint, actor, checked.body.note)
    except ValidationFailed:
        # The resolution text travels in "note": name the field the client sent.
        raise ValidationFailed(
            {"note": gettext("Say how it was resolved (the citizen reads this).")}
        ) from None


def _reject(complaint: Complaint, actor: Actor, checked: Checked[Transition]) -> None:
    checked.refuse("reason")
    workflow.reject_complaint(complaint, actor, checked.body.reason)


def _merge(complaint: Complaint, actor: Actor, checked: Checked[Transition]) -> None:
    checked.refuse("duplicate_of", "note")
    code, note = checked.body.duplicate_of, checked.body.note
    original = complaint_by_code(code) if code else None
    user = actor.user
    if original is not None and (user is None or not access.can_see(user, original)):
        original = None  # an original outside the token's reach does not exist for it
    if code and original is None:
        raise ValidationFailed({"duplicate_of": gettext("No complaint has this tracking code.")})
    workflow.merge_complaint(complaint, actor, original, note=note or None)


def _close(complaint: Complaint, actor: Actor, checked: Checked[Transition]) -> None:
    # Only the citizen's confirmation or the end of the confirmation window closes.
    raise ApiError(
        403,
        "forbidden",
        gettext(
            "Staff cannot close a complaint: it closes when the citizen confirms "
            "or when the confirmation window ends."
        ),
    )


_MOVES: dict[Status, Callable[[Complaint, Actor, Checked[Transition]], None]] = {
    Status.VERIFIED: _verify,
    Status.IN_PROGRESS: _start,
    Status.RESOLVED: _resolve,
    Status.REJECTED: _reject,
    Status.MERGED: _merge,
    Status.CLOSED: _close,
}


def move(complaint: Complaint, user: User, checked: Checked[Transition]) -> None:
    """Apply the transition the body describes (and an assignment when it names one).

    ``to`` equal to the complaint's own status (verified or in_progress) with a
    ``unit`` moves it to that unit, keeping status and deadlines; ``reason``
    is required then (for staff only).

    Raises ValidationFailed (422) for a missing or malformed target,
    InvalidTransition (409, with the allowed moves) for a move the table
    forbids, ApiError 403 for a move staff may not make.
    """
    checked.refuse("to", "version")
    target, version = checked.body.to, checked.body.version
    if not target:
        raise ValidationFailed({"to": gettext("This field is required.")})
    if target not in {s.value for s in Status}:
        raise ValidationFailed(
            {"to": gettext("Choose one of: %(values)s.", values=", ".join(s.value for s in Status))}
        )
    check_version(complaint, version)
    actor = Actor.staff(user)
    if target == complaint.status and checked.sent("unit") and _reroutable(complaint):
        # The status it has, with a unit: move it there (an overturned routing).
        _reroute(complaint, actor, checked)
        _assign_if_named(complaint, actor, checked)
        audit(user, "reroute", complaint)
        return
    allowed = workflow.allowed_moves(complaint.status)
    status = Status(target)
    if status not in allowed:
        # Checked here too: a refused move must not first run the move's own validation.
        raise InvalidTransition(complaint.status, status.value, [s.value for s in allowed])
    _MOVES[status](complaint, actor, checked)
    _assign_if_named(complaint, actor, checked)
    audit(user, f"transition_{status.value}", complaint)


def _assign_if_named(complaint: Complaint, actor: Actor, checked: Checked[Transition]) -> None:
    if checked.sent("assignee"):
        checked.refuse("assignee")
        assign(complaint, actor, checked.body.assignee)


def _reroutable(complaint: Complaint) -> bool:
    return Status(complaint.status) in workflow.REROUTABLE


def _reroute(complaint: Complaint, actor: Actor, checked: Checked[Transition]) -> None:
    """``{"to": <its status>, "unit", "reason"}``: :func:`workflow.reroute_complaint`."""
    checked.refuse("unit", "reason")
    unit = unit_by_code(checked.body.unit)
    if unit is None:
        raise ValidationFailed({"unit": gettext("No unit has this code.")})
    workflow.reroute_complaint(complaint, unit, actor, checked.body.reason)


def post_message(complaint: Complaint, user: User, body: NewMessage) -> Message:
    """A public reply (``public: true``) or an internal note (the default)."""
    actor = Actor.staff(user)
    public = bool(body.public)
    if public:
        message = workflow.reply_to_citizen(complaint, actor, body.body)
    else:
        message = workflow.add_internal_note(complaint, actor, body.body)
    audit(user, "reply" if public else "note", complaint)
    return message
