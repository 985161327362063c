"""Staff console: the complaint page and its actions, notifications.

Thin views: check access, parse the form, call ``workflow``, redirect. Each
action on a complaint is a plain ``@bp.post`` route wrapped by
:func:`complaint_action` (access, stale-page check, audit, commit, message).
The ``staff`` blueprint, :func:`audit` and :func:`staff_user` live here and
are shared by the console's other modules: console (the queue, its views
and bulk actions), session (sign-in, sign-out, password), profile, board and
admin, which add their routes to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from complaints import attachments, clock, duplicates, ikm, labels, workflow
from complaints.codes import complaint_by_code
from complaints.erasure import same_person
from complaints.errors import ConcurrentChange, DomainError, ValidationFailed
from complaints.extensions import db
from complaints.i18n import local_time
from complaints.ids import as_id
from complaints.models import (
    Attachment,
    AuditLog,
    CannedReply,
    Category,
    Complaint,
    ComplaintEvent,
    Notification,
    Role,
    Status,
    SurveyResponse,
    Unit,
    User,
)
from complaints.notify import notify_staff
from complaints.routing import panel as routing_panel
from complaints.workflow import Actor

from . import access, presence, queue, timeline
from .forms import AssignForm, MergeForm, NoteForm, PriorityForm, RerouteForm, VerifyForm

logger = logging.getLogger(__name__)
bp = Blueprint("staff", __name__, url_prefix="/staff")


def audit(
    action: str, user: User | None, target: Complaint | User | None = None, **detail: Any
) -> None:
    """Record a staff action or sign-in attempt (committed with the caller's transaction)."""
    db.session.add(
        AuditLog(
            at=clock.now(),
            actor_user_id=user.id if user else None,
            action=action,
            target_type=type(target).__name__.lower() if target is not None else None,
            target_id=target.id if target is not None else None,
            ip=request.remote_addr,
            detail=detail or None,
        )
    )


def staff_user() -> User:
    user = current_user._get_current_object()
    assert isinstance(user, User)
    return user


# --- queue -----------------------------------------------------------------------------


@bp.get("/")
@login_required
def home() -> Response:
    return redirect(url_for("staff.queue_view"))


# --- one complaint ---------------------------------------------------------------------


def _visible_complaint(code: str, *loads: ORMOption) -> Complaint:
    """The complaint if the signed-in staff member may see it; 404 otherwise (no oracle).

    ``loads`` are loader options for the relations the caller will read.
    """
    complaint = complaint_by_code(code, *loads)
    if complaint is None or not access.can_see(staff_user(), complaint):
        abort(404)
    return complaint


def _likely_duplicates(complaint: Complaint) -> list[duplicates.LikelyDuplicate]:
    """Open complaints this one may repeat, by text and place, among those the officer sees."""
    return duplicates.likely_duplicates(
        complaint, access.visible_filter(staff_user()), str(get_locale() or "id")
    )


def _choices(items: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in items]


@bp.get("/complaints/<code>")
@login_required
def complaint_view(code: str) -> str:
    complaint = _page_complaint(code)
    page = _complaint_page(complaint)
    # After rendering: a commit expires what the page read (it would be read again).
    presence.mark_seen(complaint, staff_user(), clock.now())
    db.session.commit()
    return page


@bp.post("/complaints/<code>/presence")
@login_required
def complaint_presence(code: str) -> Response:
    """The page's poll (JSON): keeps the viewer marked as here; who else is, what changed."""
    complaint = _visible_complaint(code)
    body = request.get_json(silent=True)
    seen = body.get("version") if isinstance(body, dict) else None
    answer = presence.presence(
        complaint, staff_user(), str(seen) if seen is not None else None, clock.now()
    )
    db.session.commit()
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page_complaint(code: str) -> Complaint:
    # Everything the page shows, in three queries however long the history:
    # the complaint with its references, its events with their actors, its photos.
    return _visible_complaint(
        code,
        joinedload(Complaint.category),
        joinedload(Complaint.unit),
        joinedload(Complaint.assignee),
        joinedload(Complaint.reporter),
        joinedload(Complaint.duplicate_of),
        selectinload(Complaint.events).joinedload(ComplaintEvent.actor),
        selectinload(Complaint.attachments),
    )


def _complaint_page(
    complaint: Complaint, warning: str | None = None, notice: dict[str, str] | None = None
) -> str:
    """The page: timeline, facts, and the actions allowed now (with the form just sent).

    ``warning`` (the complaint changed meanwhile) or ``notice`` (what was sent was
    refused) show the page again with the text the officer typed kept in its form.
    """
    user = staff_user()
    typed = request.form.get("body", "") if warning or notice else ""
    resolving = request.endpoint == "staff.resolve"
    verify_form = VerifyForm(
        unit=str(complaint.unit_id or ""),
        category=str(complaint.category_id),
        kind=complaint.kind,
    )
    units = list(db.session.scalars(select(Unit).order_by(Unit.name)))
    verify_form.unit.choices = _choices([(str(u.id), u.name) for u in units])
    reroute_form = RerouteForm()
    reroute_form.target_unit.choices = _choices(
        [("", gettext("— choose a unit —")), *_reroute_targets(complaint, units)]
    )
    verify_form.category.choices = _choices(
        [(str(c.id), c.name(str(get_locale() or "id"))) for c in queue.categories()]
    )
    officers = access.assignable_officers(complaint)
    assign_form = AssignForm(assignee=str(complaint.assignee_id or ""))
    assign_form.assignee.choices = _choices(
        [("", gettext("— nobody —"))] + [(str(u.id), labels.person_name(u)) for u in officers]
    )
    people = {u.id: u for u in officers}
    people.update({e.actor.id: e.actor for e in complaint.events if e.actor is not None})
    people.update(_assigned_people(complaint, people))
    allowed = {status.value for status in workflow.allowed_moves(complaint.status)}
    return render_template(
        "staff/complaint.html",
        complaint=complaint,
        timeline=timeline.build(complaint, people),
        notice=notice or _take_notice(complaint),
        warning=warning,
        draft="" if resolving else typed,
        resolution_draft=typed if resolving else "",
        accept_files=ACCEPTED_FILES,
        survey=_survey(complaint),
        show_reporter=access.can_see_reporter(user, complaint),
        allowed=allowed,
        verify_form=verify_form,
        assign_form=assign_form,
        reroute_form=reroute_form,
        routing=routing_panel.for_complaint(complaint),
        note_form=NoteForm(),
        merge_form=MergeForm(),
        priority_form=PriorityForm(priority=complaint.priority),
        # Listed only where they can be acted on: beside the merge action.
        duplicates=_likely_duplicates(complaint) if Status.MERGED.value in allowed else [],
        canned=canned_replies(complaint),
        deadline=queue.current_deadline(complaint),
        now=clock.now(),
        same_person=same_person(complaint) if user.role == Role.ADMIN else [],
        others_here=presence.warnings(
            presence.others_here(complaint, user, clock.now()), clock.now()
        ),
        poll_seconds=presence.POLL_SECONDS,
    )


def _reroute_targets(complaint: Complaint, units: list[Unit]) -> list[tuple[str, str]]:
    """The active units a complaint can be moved to: every one but its own."""
    return [(str(u.id), u.name) for u in units if u.active and u.id != complaint.unit_id]


def _assigned_people(complaint: Complaint, known: dict[int, User]) -> dict[int, User]:
    """Staff named by the complaint's assignments who are not known yet (moved, deactivated)."""
    ids = {e.data.get("to") for e in complaint.events if e.kind == "assign" and e.data}
    missing = {i for i in ids if isinstance(i, int) and i not in known}
    if not missing:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(missing)))}


def _survey(complaint: Complaint) -> list[tuple[str, str]] | None:
    """The citizen's SKM answers as (element, answer in words), or None before they rate.

    A skipped question reads "not answered"; the respondent profile follows when
    the citizen gave any of it.
    """
    response = db.session.scalar(
        select(SurveyResponse).where(SurveyResponse.complaint_id == complaint.id)
    )
    if response is None:
        return None
    rows = [(str(text), labels.skm_answer(getattr(response, name))) for name, text in ikm.ELEMENTS]
    if any(getattr(response, column) is not None for column in ikm.PROFILE_COLUMNS):
        rows += [
            (
                str(labels.RESPONDENT_QUESTIONS[column]),
                labels.respondent_answer(column, getattr(response, column)),
            )
            for column in ikm.PROFILE_COLUMNS
        ]
    return rows


_NOTICE_KEY = "complaint_notice"


def _leave_notice(complaint: Complaint, category: str, text: str, spot: str) -> None:
    """A message the next showing of the page places at ``spot`` (where the browser lands)."""
    notice = {"code": complaint.code, "category": category, "text": text, "spot": spot}
    session[_NOTICE_KEY] = notice


def _take_notice(complaint: Complaint) -> dict[str, str] | None:
    notice = session.get(_NOTICE_KEY)
    if not isinstance(notice, dict) or notice.get("code") != complaint.code:
        return None
    session.pop(_NOTICE_KEY)
    return notice


@bp.get("/complaints/<code>/attachments/<int:attachment_id>")
@login_required
def attachment(code: str, attachment_id: int) -> Response:
    """A file of the complaint (the citizen's photos, staff's files); ``?size=small``
    for a photo's thumbnail. A PDF is downloaded, never shown in the page's origin."""
    complaint = _visible_complaint(code)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.complaint_id != complaint.id:
        abort(404)
    return attachments.file_response(item, small=request.args.get("size") == "small")


# What the reply, note and resolution forms take (the server checks the content itself).
ACCEPTED_FILES = "image/jpeg,image/png,image/webp,image/gif,application/pdf,.pdf"


def _sent_files() -> list[Attachment]:
    """The files sent with the form, checked (FileRefused names the first bad one)."""
    uploads = [
        attachments.NewAttachment(
            storage.filename or "",
            storage.read(attachments.MAX_PHOTO_BYTES + 1),
            storage.mimetype or "",
        )
        for storage in request.files.getlist("files")
        if storage.filename
    ]
    return attachments.validated_files(uploads)


def complaint_action(
    spot: str = "actions",
) -> Callable[[Callable[[Complaint, Actor], str]], Callable[[str], Response | tuple[str, int]]]:
    """Make the view of a staff action on the complaint ``<code>`` from an operation.

    The view checks access, refuses a stale page (showing the page again with
    who changed it and when), runs the operation (which checks its
    CSRF-protected form and calls ``workflow``), audits under the operation's
    name, commits, and sends the browser back to ``#spot`` on the complaint's
    page, where the outcome is shown.
    """

    def wrap(
        operation: Callable[[Complaint, Actor], str],
    ) -> Callable[[str], Response | tuple[str, int]]:
        @wraps(operation)
        def run(code: str) -> Response | tuple[str, int]:
            complaint = _visible_complaint(code)
            if _stale(complaint):
                return _changed_meanwhile(code)
            try:
                notice = operation(complaint, Actor.staff(staff_user()))
                audit(operation.__name__, staff_user(), complaint)
                workflow.commit()
            except ConcurrentChange:
                return _changed_meanwhile(code)
            except attachments.FileRefused as refusal:
                return _file_refused(code, refusal, spot)
            except ValidationFailed as failure:
                db.session.rollback()
                _leave_notice(complaint, "danger", " ".join(failure.fields.values()), spot)
            except DomainError as refusal:
                db.session.rollback()
                _leave_notice(complaint, "danger", refusal.message, spot)
            else:
                if not access.can_see(staff_user(), complaint):
                    # Routed or moved to a unit outside the user's reach: its page would
                    # answer 404, so the outcome is told on the queue.
                    flash(notice + " " + gettext("It is now outside your unit's queue."), "success")
                    return redirect(url_for("staff.queue_view"))
                _leave_notice(complaint, "success", notice, spot)
            return redirect(url_for("staff.complaint_view", code=complaint.code, _anchor=spot))

        return run

    return wrap


def _stale(complaint: Complaint) -> bool:
    """The form was sent from a page showing an older version of the complaint.

    Another officer acted since the page was loaded: applying this decision
    on top (verified -> rejected is a legal move) would overrule theirs
    unseen. Two requests that pass this check at the same instant are kept
    apart by the version column at commit (see ``workflow.commit``).
    """
    seen = request.form.get("version")
    return seen is not None and seen != str(complaint.version)


def _changed_meanwhile(code: str) -> tuple[str, int]:
    """The page again, as it is now, saying who changed it and when; nothing was applied."""
    db.session.rollback()
    complaint = _page_complaint(code)
    latest = max(complaint.events, key=lambda e: (e.at, e.id))
    warning = gettext(
        "This complaint was just changed by %(name)s at %(time)s. Check it again before you act.",
        name=labels.actor_name(latest),
        time=local_time(latest.at),
    )
    return _complaint_page(complaint, warning=warning), 409


def _file_refused(code: str, refusal: attachments.FileRefused, spot: str) -> tuple[str, int]:
    """The page again with why the file was refused where the officer acted, nothing
    applied and the typed text kept: 413 for a file too large, 422 for another type."""
    db.session.rollback()
    complaint = _page_complaint(code)
    notice = {"code": complaint.code, "category": "danger", "text": refusal.message, "spot": spot}
    return _complaint_page(complaint, notice=notice), refusal.http_status


def _form_or_refuse(form: Any) -> None:
    if not form.validate_on_submit():
        messages = [str(message) for errors in form.errors.values() for message in errors]
        raise DomainError(" ".join(messages) or gettext("The form was not valid."))


@bp.post("/complaints/<code>/verify")
@login_required
@complaint_action("actions")
def verify(complaint: Complaint, actor: Actor) -> str:
    form = VerifyForm()
    form.unit.choices = _choices([(str(u.id), u.name) for u in db.session.scalars(select(Unit))])
    form.category.choices = _choices([(str(c.id), c.code) for c in queue.categories()])
    _form_or_refuse(form)
    workflow.verify_complaint(
        complaint,
        actor,
        unit=db.session.get(Unit, int(form.unit.data or 0)),
        category=db.session.get(Category, int(form.category.data or 0)),
        kind=form.kind.data,
        note=form.note.data or None,
    )
    return gettext("Verified and routed.")


@bp.post("/complaints/<code>/reroute")
@login_required
@complaint_action("actions")
def reroute(complaint: Complaint, actor: Actor) -> str:
    form = RerouteForm()
    units = list(db.session.scalars(select(Unit)))
    form.target_unit.choices = _choices(_reroute_targets(complaint, units))
    _form_or_refuse(form)
    before = complaint.unit.name if complaint.unit else ""
    unit = db.session.get(Unit, int(form.target_unit.data or 0))
    workflow.reroute_complaint(complaint, unit, actor, form.reason.data)
    return gettext("Moved from %(old)s to %(new)s.", old=before, new=unit.name if unit else "")


@bp.post("/complaints/<code>/assign")
@login_required
@complaint_action("actions")
def assign(complaint: Complaint, actor: Actor) -> str:
    form = AssignForm()
    form.assignee.choices = _choices(
        [("", "")] + [(str(u.id), u.email) for u in access.assignable_officers(complaint)]
    )
    _form_or_refuse(form)
    assignee = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
    event = workflow.assign_complaint(complaint, actor, assignee)
    if assignee is not None and assignee.id != staff_user().id:
        with force_locale(assignee.locale):
            body = gettext("Complaint %(code)s was assigned to you.", code=complaint.code)
        notify_staff(
            assignee, "assignment", body, key=f"event-{event.id}-staff", complaint=complaint
        )
    return gettext("Assignment saved.")


@bp.post("/complaints/<code>/start")
@login_required
@complaint_action("actions")
def start(complaint: Complaint, actor: Actor) -> str:
    form = NoteForm()
    _form_or_refuse(form)
    workflow.start_work(complaint, actor, note=form.body.data or None)
    return gettext("Work started.")


def canned_replies(complaint: Complaint) -> list[CannedReply]:
    """Reply templates for the complaint's category, then the general ones."""
    return list(
        db.session.scalars(
            select(CannedReply)
            .where(
                (CannedReply.category_id == complaint.category_id)
                | CannedReply.category_id.is_(None)
            )
            .order_by(CannedReply.category_id.is_(None), CannedReply.title)
        )
    )


@bp.post("/complaints/<code>/reply")
@login_required
@complaint_action("latest")
def reply(complaint: Complaint, actor: Actor) -> str:
    form = NoteForm()
    _form_or_refuse(form)
    body = (form.body.data or "").strip()
    canned_id = as_id(request.form.get("canned"))
    if not body and canned_id is not None:
        canned = db.session.get(CannedReply, canned_id)
        if canned is not None:
            # The citizen reads it in their own language when a translation exists.
            body = canned.body_en if complaint.locale == "en" and canned.body_en else canned.body_id
    workflow.reply_to_citizen(complaint, actor, body, files=_sent_files())
    if timeline.citizen_reachable(complaint):
        return gettext("Reply sent to the citizen.")
    return gettext(
        "Reply saved and shown on the tracking page; the citizen cannot be reached"
        " on an active channel."
    )


@bp.post("/complaints/<code>/note")
@login_required
@complaint_action("latest")
def note(complaint: Complaint, actor: Actor) -> str:
    form = NoteForm()
    _form_or_refuse(form)
    workflow.add_internal_note(complaint, actor, form.body.data, files=_sent_files())
    return gettext("Internal note saved.")


@bp.post("/complaints/<code>/resolve")
@login_required
@complaint_action("actions")
def resolve(complaint: Complaint, actor: Actor) -> str:
    form = NoteForm()
    _form_or_refuse(form)
    workflow.resolve_complaint(complaint, actor, form.body.data, files=_sent_files())
    return gettext("Marked resolved; the citizen is asked to confirm.")


@bp.post("/complaints/<code>/reject")
@login_required
@complaint_action("actions")
def reject(complaint: Complaint, actor: Actor) -> str:
    form = NoteForm()
    _form_or_refuse(form)
    workflow.reject_complaint(complaint, actor, form.body.data)
    return gettext("Rejected; the citizen is told the reason.")


@bp.post("/complaints/<code>/merge")
@login_required
@complaint_action("actions")
def merge(complaint: Complaint, actor: Actor) -> str:
    form = MergeForm()
    _form_or_refuse(form)
    original = complaint_by_code(form.duplicate_of.data)
    if original is not None and not access.can_see(staff_user(), original):
        original = None
    workflow.merge_complaint(complaint, actor, original, note=form.note.data or None)
    return gettext("Merged into %(code)s.", code=original.code if original else "")


@bp.post("/complaints/<code>/priority")
@login_required
@complaint_action("actions")
def priority(complaint: Complaint, actor: Actor) -> str:
    form = PriorityForm()
    _form_or_refuse(form)
    workflow.change_priority(complaint, actor, form.priority.data or "normal")
    return gettext("Priority changed.")


# --- notifications ---------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def notifications() -> str:
    items = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == staff_user().id)
        .order_by(Notification.created_at.desc())
        .limit(100)
    ).all()
    return render_template("staff/notifications.html", items=items, form=NoteForm())


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def notification_read(notification_id: int) -> Response:
    form = NoteForm()
    item = db.session.get(Notification, notification_id)
    if item is None or item.user_id != staff_user().id:
        abort(404)
    if form.validate_on_submit() and item.read_at is None:
        item.read_at = clock.now()
        db.session.commit()
    return redirect(url_for("staff.notifications"))
