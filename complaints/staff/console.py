"""The queue page and its working tools: saved views, bulk actions on selected complaints.

Views are links to the queue with a filter: three built in ("Milik saya",
"Belum diverifikasi", "Lewat tenggat") and the ones a staff member saves
under a name. A bulk action runs the same ``workflow`` service as the
complaint page, once per selected complaint, each in its own transaction
with its own event and audit entry: a complaint that refuses the move is
reported by its code with the reason, the others are done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from complaints import clock, labels, workflow
from complaints.codes import complaint_by_code
from complaints.errors import DomainError, InvalidTransition, ValidationFailed
from complaints.extensions import db
from complaints.i18n import local_time
from complaints.ids import as_id
from complaints.models import (
    Channel,
    Complaint,
    Priority,
    Role,
    SavedView,
    Status,
    Unit,
    User,
)
from complaints.workflow import Actor

from . import access, queue
from .views import audit, bp, staff_user

logger = logging.getLogger(__name__)

# The queue's filter names: a saved view keeps these and nothing else (no cursor).
FILTER_NAMES = ("q", "status", "unit", "category", "channel", "assignee", "due", "from", "to")
QUERY_NAMES = (*FILTER_NAMES, "sort")
MAX_VIEWS = 30
MAX_SELECTED = 200


@dataclass(frozen=True)
class View:
    name: str | LazyString
    query: str
    id: int | None = None  # None: built in, cannot be deleted


BUILT_IN_VIEWS = (
    View(_l("Mine"), "status=open&assignee=me"),
    View(_l("Not verified yet"), "status=received"),
    View(_l("Past the deadline"), "due=overdue"),
)


def clean_query(pairs: list[tuple[str, str]]) -> str:
    """The queue filters among ``pairs`` as a query string in a fixed order, empty ones left out."""
    kept = {name: value.strip() for name, value in pairs if name in QUERY_NAMES and value.strip()}
    return urlencode([(name, kept[name]) for name in QUERY_NAMES if name in kept])


def views_of(user: User) -> list[View]:
    saved = db.session.scalars(
        select(SavedView).where(SavedView.user_id == user.id).order_by(SavedView.name)
    )
    return [*BUILT_IN_VIEWS, *(View(view.name, view.query, view.id) for view in saved)]


@bp.get("/complaints")
@login_required
def queue_view() -> ResponseReturnValue:
    if "page" in request.args:
        # Links from before keyset pages (?page=N): the same filters, from the first page.
        kept: dict[str, Any] = {
            name: values for name, values in request.args.lists() if name != "page"
        }
        return redirect(url_for("staff.queue_view", **kept))
    user = staff_user()
    now = clock.now()
    page = queue.queue_page(user, request.args, now)
    units = list(db.session.scalars(select(Unit).order_by(Unit.name)))
    current = clean_query(list(request.args.items(multi=True)))
    return render_template(
        "staff/queue.html",
        page=page,
        rows=queue.queue_rows(page.complaints, now, local_time),
        args=request.args,
        # The filters and order, for the pager's links to carry along with a cursor.
        filters={
            name: value for name, value in request.args.items() if name not in ("after", "before")
        },
        current_query=current,
        more_open=any(request.args.get(name) for name in ("channel", "from", "to")),
        views=views_of(user),
        statuses=[status.value for status in Status],
        categories=queue.categories(),
        units=units,
        channels=[channel.value for channel in Channel],
        bulk_groups=bulk_choices(user, units),
    )


@bp.post("/complaints/views")
@login_required
def save_view() -> Response:
    user = staff_user()
    name = (request.form.get("name") or "").strip()[:80]
    query = clean_query(parse_qsl(request.form.get("query", "")))
    target = url_for("staff.queue_view") + (f"?{query}" if query else "")
    if not name:
        flash(gettext("Give the view a name."), "danger")
        return redirect(target)
    count = db.session.query(SavedView).filter(SavedView.user_id == user.id).count()
    if count >= MAX_VIEWS:
        flash(gettext("You have %(n)d saved views: delete one first.", n=MAX_VIEWS), "danger")
        return redirect(target)
    db.session.add(SavedView(user_id=user.id, name=name, query=query))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(gettext("You already have a view with that name."), "danger")
        return redirect(target)
    flash(gettext("View “%(name)s” saved.", name=name), "success")
    return redirect(target)


@bp.post("/complaints/views/<int:view_id>/delete")
@login_required
def delete_view(view_id: int) -> Response:
    view = db.session.get(SavedView, view_id)
    if view is None or view.user_id != staff_user().id:
        abort(404)
    name = view.name
    db.session.delete(view)
    db.session.commit()
    flash(gettext("View “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("staff.queue_view"))


# --- bulk actions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkChoice:
    value: str  # "assign:12", "route:3", "priority:urgent"
    label: str


@dataclass
class BulkOutcome:
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def assignable_staff(user: User) -> list[User]:
    """Active officers and supervisors of the units whose complaints ``user`` sees."""
    query = select(User).where(
        User.active.is_(True), User.role != Role.ADMIN, User.unit_id.is_not(None)
    )
    if user.role == Role.SUPERVISOR and user.unit_id is not None:
        query = query.where(User.unit_id.in_(access.unit_and_descendants(user.unit_id)))
    elif user.role != Role.ADMIN:
        query = query.where(User.unit_id == user.unit_id)
    return list(db.session.scalars(query.order_by(User.name, User.email)))


def bulk_choices(user: User, units: list[Unit]) -> list[tuple[str, list[BulkChoice]]]:
    """The bulk select's groups: assign to someone, route to a unit, set a priority."""
    assign = [BulkChoice("assign:none", gettext("Nobody (take back)"))] + [
        BulkChoice(f"assign:{person.id}", labels.person_name(person))
        for person in assignable_staff(user)
    ]
    route = [BulkChoice(f"route:{unit.id}", unit.name) for unit in units if unit.active]
    priority = [
        BulkChoice(f"priority:{level.value}", labels.priority_label(level)) for level in Priority
    ]
    return [
        (gettext("Assign to"), assign),
        (gettext("Verify, or move, to"), route),
        (gettext("Priority"), priority),
    ]


def _assign(value: str, reason: str) -> Callable[[Complaint, Actor], object]:
    assignee = None if value == "none" else db.session.get(User, as_id(value) or 0)
    if value != "none" and (assignee is None or not assignee.active):
        abort(400)

    def run(complaint: Complaint, actor: Actor) -> object:
        if assignee is not None and assignee.unit_id != complaint.unit_id:
            raise DomainError(
                gettext("%(name)s works in another unit.", name=labels.person_name(assignee))
            )
        return workflow.assign_complaint(complaint, actor, assignee)

    return run


def _route(value: str, reason: str) -> Callable[[Complaint, Actor], object]:
    """A new complaint is verified and routed; a verified one is moved, with the reason."""
    unit = db.session.get(Unit, as_id(value) or 0)
    if unit is None or not unit.active:
        abort(400)

    def run(complaint: Complaint, actor: Actor) -> object:
        if complaint.status == Status.RECEIVED:
            return workflow.verify_complaint(complaint, actor, unit=unit)
        try:
            return workflow.reroute_complaint(complaint, unit, actor, reason)
        except workflow.NotReroutable:
            raise DomainError(
                gettext("Only a complaint not resolved yet can be routed to another unit.")
            ) from None
        except ValidationFailed:
            if reason:
                raise
            # The domain checks the unit before the reason; the queue asks for the reason
            # first, as one missing input for the whole selection.
            raise DomainError(gettext("Write the reason to move a verified complaint.")) from None

    return run


def _priority(value: str, reason: str) -> Callable[[Complaint, Actor], object]:
    if value not in {level.value for level in Priority}:
        abort(400)

    def run(complaint: Complaint, actor: Actor) -> object:
        if not complaint.is_open:
            raise DomainError(gettext("A finished complaint keeps its priority."))
        return workflow.change_priority(complaint, actor, value)

    return run


OPERATIONS = {"assign": _assign, "route": _route, "priority": _priority}


def refusal_text(refusal: DomainError) -> str:
    """Why a move was refused, in words (the domain's transition error names codes)."""
    if isinstance(refusal, InvalidTransition):
        return gettext(
            "Not possible while it is “%(status)s”.",
            status=labels.staff_status_label(refusal.current),
        )
    if isinstance(refusal, ValidationFailed):
        return " ".join(refusal.fields.values())
    return refusal.message


def apply_bulk(
    user: User, codes: list[str], action: str, value: str, reason: str = ""
) -> BulkOutcome:
    """Run ``action`` on each complaint of ``codes`` in its own transaction.

    ``reason`` is the staff's reason for moving verified complaints (route).
    """
    operation = OPERATIONS[action](value, reason.strip())
    outcome = BulkOutcome()
    for code in codes:
        complaint = complaint_by_code(code)
        if complaint is None or not access.can_see(user, complaint):
            outcome.refused.append((code, gettext("Not found.")))
            continue
        try:
            operation(complaint, Actor.staff(user))
            audit(f"bulk_{action}", user, complaint)
            workflow.commit()
        except DomainError as refusal:
            db.session.rollback()
            outcome.refused.append((complaint.code, refusal_text(refusal)))
        else:
            outcome.done.append(complaint.code)
    return outcome


@bp.post("/complaints/bulk")
@login_required
def bulk() -> Response:
    """Apply the chosen action to the ticked complaints; say what was done and what was not."""
    back = url_for("staff.queue_view") + _query_suffix(request.form.get("query", ""))
    action, _, value = (request.form.get("action") or "").partition(":")
    codes = list(dict.fromkeys(request.form.getlist("code")))[:MAX_SELECTED]
    if action not in OPERATIONS or not codes:
        flash(gettext("Tick at least one complaint and choose an action."), "danger")
        return redirect(back)
    reason = (request.form.get("reason") or "")[:2000]
    outcome = apply_bulk(staff_user(), codes, action, value, reason)
    if outcome.done:
        flash(
            gettext(
                "Done for %(n)d complaints: %(codes)s.",
                n=len(outcome.done),
                codes=", ".join(outcome.done),
            ),
            "success",
        )
    for code, reason in outcome.refused:
        flash(gettext("%(code)s was not changed: %(reason)s", code=code, reason=reason), "danger")
    return redirect(back)


def _query_suffix(raw: str) -> str:
    query = clean_query(parse_qsl(raw))
    return f"?{query}" if query else ""
