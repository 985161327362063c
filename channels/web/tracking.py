"""The tracking page and what its reporter does there, on the web blueprint.

Anyone with the tracking code reads the page; the reporter (the browser that
filed it or opened the reporter's link, DESIGN.md "The reporter's key") also
sees their own photos and answers "is it resolved?" with the SKM survey in
one submit. ``POST /track/<code>/confirm`` and ``/rate`` keep their contract
fields for outside clients; the one form posts to ``/confirm`` with the survey.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from complaints import public, reporter_keys, workflow
from complaints.attachments import file_response
from complaints.codes import complaint_by_code, normalize_code
from complaints.errors import DomainError, ValidationFailed
from complaints.extensions import db, limiter
from complaints.models import Attachment, Complaint, Message, MessageKind
from complaints.notify import tracking_url
from complaints.ratelimit import CODE_LOOKUP_SCOPE, code_lookup_budget

from . import next_steps, reach
from .forms import ConfirmForm, RateForm, TrackForm
from .views import bp


@bp.context_processor
def channels_on() -> dict[str, object]:
    """The channels that are on, for the home page and the form's contact fieldset."""
    return {"reach": reach.citizen_channels(current_app)}


def _locale() -> str:
    return str(get_locale() or "id")


def _complaint_or_404(raw_code: str) -> Complaint:
    complaint = complaint_by_code(raw_code)
    if complaint is None:
        abort(404)
    return complaint


def _back_to(complaint: Complaint) -> Response:
    return redirect(url_for("web.track", code=complaint.code))


@bp.get("/track")
@limiter.limit("60/minute")
def track_lookup() -> str | Response | tuple[str, int]:
    form = TrackForm(request.args)
    if "code" not in request.args:
        return render_template("web/track_lookup.html", form=form)
    code = normalize_code(form.code.data or "")
    if code is None:
        form.code.errors = [gettext("A tracking code looks like ADU-7K3Q-9M2X.")]
        return render_template("web/track_lookup.html", form=form), 400
    return redirect(url_for("web.track", code=code))


@bp.get("/track/<code>")
@limiter.limit("60/minute")
@limiter.shared_limit(code_lookup_budget, scope=CODE_LOOKUP_SCOPE)
def track(code: str) -> str | Response | tuple[str, int]:
    complaint = complaint_by_code(code)
    if complaint is None:
        message = gettext(
            "No report has the tracking code %(code)s. Check it and try again.", code=code
        )
        return render_template("web/track_lookup.html", form=TrackForm(), not_found=message), 404
    key = request.args.get(reporter_keys.QUERY_ARG)
    if key is not None:
        # The reporter's link: remember this browser, then show the page without the
        # key in the address bar, the history or a Referer.
        if reporter_keys.matches(complaint, key):
            reporter_keys.remember(complaint.code)
        else:
            flash(gettext("This link does not give access to act on this report."), "danger")
        return _back_to(complaint)
    if complaint.code != code:
        return _back_to(complaint)
    return _tracking_page(complaint)


def _tracking_page(complaint: Complaint) -> str:
    is_reporter = reporter_keys.is_remembered(complaint.code)
    is_new = request.args.get("new") == "1" and is_reporter
    view = public.public_view(complaint, _locale())
    target = reach.update_channel(complaint, reach.citizen_channels(current_app))
    return render_template(
        "web/track.html",
        complaint=complaint,
        view=view,
        next_step=next_steps.next_step(view, is_reporter),
        updates=next_steps.how_updates_arrive(view, target, is_reporter),
        photos=list(complaint.attachments) if is_reporter else [],
        confirm_form=ConfirmForm(),
        rate_form=RateForm(),
        is_reporter=is_reporter,
        is_new=is_new,
        reporter_link=_reporter_link(complaint) if is_new else None,
    )


def _reporter_link(complaint: Complaint) -> str | None:
    """The link that lets the reporter act from another device, shown once after filing."""
    key = reporter_keys.key_for(complaint)
    if key is None:
        return None
    link = tracking_url(complaint.code, key)
    # Without PUBLIC_BASE_URL a path: completed from the address this browser used.
    return request.host_url.rstrip("/") + link if link.startswith("/") else link


def _reporter_or_403(complaint: Complaint) -> None:
    """Refuse, changing nothing, anyone but the complaint's reporter.

    The reporter is the browser that filed it or opened the reporter's link (the
    forms post with its session, whose CSRF token they need anyway).
    """
    if not reporter_keys.is_remembered(complaint.code):
        abort(403)


@bp.get("/track/<code>/photos/<int:photo_id>")
@limiter.limit("120/minute")
def track_photo(code: str, photo_id: int) -> Response:
    """One of the complaint's photos, to its reporter only; ``?size=small`` for a thumbnail."""
    complaint = _complaint_or_404(code)
    _reporter_or_403(complaint)
    photo = db.session.get(Attachment, photo_id)
    # The reporter's own photos only: staff's files (message_id set) are served by
    # track_file when their message is public, never here.
    if photo is None or photo.complaint_id != complaint.id or photo.message_id is not None:
        abort(404)
    # As the staff's attachment view serves it: inline, kept by this browser only.
    return file_response(photo, small=request.args.get("size") == "small")


@bp.get("/track/<code>/files/<int:file_id>")
@limiter.limit("120/minute")
def track_file(code: str, file_id: int) -> Response:
    """A file the office attached to a public reply or the resolution: to anyone with the
    code, as the reply itself (``?size=small`` for a photo's thumbnail). Files of internal
    notes and the reporter's own photos are not served here."""
    complaint = _complaint_or_404(code)
    item = db.session.scalar(
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .where(
            Attachment.id == file_id,
            Attachment.complaint_id == complaint.id,
            Message.complaint_id == complaint.id,
            Message.kind == MessageKind.PUBLIC_REPLY,
        )
    )
    if item is None:
        abort(404)
    return file_response(item, small=request.args.get("size") == "small")


@bp.post("/track/<code>/confirm")
@limiter.limit("20/minute")
def confirm(code: str) -> Response:
    """Resolved or not, and on "resolved" the survey when one question is answered: one commit."""
    complaint = _complaint_or_404(code)
    _reporter_or_403(complaint)
    form = ConfirmForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
        return _back_to(complaint)
    try:
        notices = _decide(complaint, form)
        workflow.commit()
    except ValidationFailed:
        db.session.rollback()
        flash(gettext("Please tell us what is still wrong."), "danger")
        return _back_to(complaint)
    except DomainError as refusal:
        db.session.rollback()
        flash(_status_refusal(refusal), "danger")
        return _back_to(complaint)
    for message, category in notices:
        flash(message, category)
    return _back_to(complaint)


def _decide(complaint: Complaint, form: ConfirmForm) -> list[tuple[str, str]]:
    """Apply the reporter's answer in the session; the messages to show, with their kind."""
    if form.decision.data != "confirm":
        # "Not resolved": back to the unit; a survey sent along is ignored.
        workflow.reopen_complaint(complaint, form.reason.data)
        return [(gettext("Your report has been reopened and sent back to the unit."), "success")]
    not_rated_yet = complaint.satisfaction is None
    workflow.confirm_resolution(complaint)
    notices = [(gettext("Thank you. Your report is now closed."), "success")]
    answers = form.survey_answers()
    if answers is not None and not_rated_yet:
        workflow.rate_complaint(complaint, answers, form.comment.data, profile=form.profile())
        notices.append((gettext("Thank you for answering the survey."), "success"))
    return notices


@bp.post("/track/<code>/rate")
@limiter.limit("20/minute")
def rate(code: str) -> Response:
    """The survey alone (e.g. after the sweep closed the report): at least one answer."""
    complaint = _complaint_or_404(code)
    _reporter_or_403(complaint)
    form = RateForm()
    answers = form.survey_answers() if form.validate_on_submit() else None
    if answers is None:
        flash(
            gettext("Please answer at least one question, each from 1 to 4, or skip it."),
            "danger",
        )
        return _back_to(complaint)
    try:
        workflow.rate_complaint(complaint, answers, form.comment.data, profile=form.profile())
        workflow.commit()
    except DomainError as refusal:
        db.session.rollback()
        flash(refusal.message, "danger")
        return _back_to(complaint)
    flash(gettext("Thank you for answering the survey."), "success")
    return _back_to(complaint)


def _status_refusal(refusal: DomainError) -> str:
    if refusal.code == "invalid_transition":
        return gettext("This can only be done while the report is marked resolved.")
    return refusal.message
