"""Staff pages of the document register (indicator 27): list, checklist, upload, download, delete.

Supervisors and admins only (officers: 403). An admin sees and changes every
document. A supervisor sees the documents of their unit, the units below it
and the regency-wide ones, and adds or deletes their units' documents; the
regency-wide ones (which count for every unit) are added or deleted only by
admins and by supervisors of a regency-level unit (Setda, Bagian Organisasi,
Inspektorat). A document out of reach answers 404, as a complaint does.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden, RequestEntityTooLarge
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.models import AssessmentDocument, DocumentKind, Role, Unit, User
from complaints.reports import scope
from complaints.staff.access import unit_and_descendants

from . import document_files, documents
from .documents import DocumentTooLarge, NewDocument
from .documents_forms import DocumentForm
from .dossier_periods import quarter_of

logger = logging.getLogger(__name__)
bp = Blueprint("assessment_documents", __name__, url_prefix="/staff/assessment/documents")

# A little room above the file's limit for the form's other fields and the multipart framing.
MAX_BODY_BYTES = documents.MAX_DOCUMENT_BYTES + 256 * 1024


@bp.url_value_preprocessor
def limit_body_size(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Cap the body before the CSRF check reads the form: 413 for more than one document."""
    request.max_content_length = MAX_BODY_BYTES


# --- who may do what -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """The units whose documents a person sees (``None``: all) and whether they keep the
    regency-wide ones."""

    unit_ids: set[int] | None
    regency_wide: bool

    def sees(self, document: AssessmentDocument) -> bool:
        return (
            document.unit_id is None or self.unit_ids is None or document.unit_id in self.unit_ids
        )

    def changes(self, document: AssessmentDocument) -> bool:
        if document.unit_id is None:
            return self.regency_wide
        return self.unit_ids is None or document.unit_id in self.unit_ids


def document_user() -> tuple[User, Reach]:
    """The signed-in supervisor or admin and their reach; 403 for anyone else."""
    user = current_user._get_current_object()
    assert isinstance(user, User)
    if user.role == Role.ADMIN:
        return user, Reach(None, regency_wide=True)
    if user.role != Role.SUPERVISOR or user.unit_id is None:
        abort(403)
    regency_level = bool(user.unit is not None and user.unit.is_regency_level)
    return user, Reach(unit_and_descendants(user.unit_id), regency_wide=regency_level)


def _visible_document(document_id: int, reach: Reach) -> AssessmentDocument:
    document = db.session.get(AssessmentDocument, document_id)
    if document is None or not reach.sees(document):
        abort(404)
    return document


# --- the page --------------------------------------------------------------------------------


def period_presets(today: date) -> list[tuple[str, date, date]]:
    """Quick periods: this and last quarter, this semester, this and last year."""
    this_start, this_end = quarter_of(today)
    last_start, last_end = quarter_of(date.fromordinal(this_start.toordinal() - 1))
    half = date(today.year, 1, 1) if today.month <= 6 else date(today.year, 7, 1)
    half_end = date(today.year, 6, 30) if today.month <= 6 else date(today.year, 12, 31)
    return [
        (gettext("This quarter"), this_start, this_end),
        (gettext("Last quarter"), last_start, last_end),
        (gettext("This semester"), half, half_end),
        (gettext("This year"), date(today.year, 1, 1), date(today.year, 12, 31)),
        (gettext("Last year"), date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    ]


@dataclass(frozen=True)
class Filters:
    """What the register shows: a period, a unit (``None``: the regency), a type, or all."""

    start: date
    end: date
    unit: Unit | None
    kind: str | None
    everything: bool

    def args(self, **changes: Any) -> dict[str, str]:
        found = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.unit is not None:
            found["unit"] = self.unit.code
        if self.kind:
            found["kind"] = self.kind
        found.update({key: str(value) for key, value in changes.items() if value is not None})
        return found


def _filters(user: User) -> Filters:
    """The filters asked for in the query string (by default this quarter and the person's
    own unit, or the regency for an admin); ValidationFailed, or 403 for a unit out of reach."""
    args = dict(request.args.items())
    if not args.get("from") and not args.get("to"):
        start, end = quarter_of(scope.today())
        args.update({"from": start.isoformat(), "to": end.isoformat()})
    try:
        wanted = scope.report_request(user, args)
    except PermissionError:
        abort(403)
    unit = scope.unit_by_code(wanted.unit_code)
    kind = args.get("kind") or None
    if kind not in {member.value for member in DocumentKind}:
        kind = None
    return Filters(wanted.start, wanted.end, unit, kind, everything=args.get("all") == "1")


def _unit_choices(user: User, reach: Reach) -> list[SelectChoice]:
    choices = [SelectChoice(unit.code, unit.name) for unit in scope.reachable_units(user)]
    if reach.regency_wide:
        choices.insert(0, SelectChoice("", gettext("Whole regency")))
    return choices


def _kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, documents.kind_label(kind.value)) for kind in DocumentKind]


def _prepared_form(user: User, reach: Reach, *, read_body: bool = True) -> DocumentForm:
    # An oversized body cannot be read: that form starts empty.
    form = DocumentForm() if read_body else DocumentForm(formdata=None)
    form.kind.choices = [SelectChoice("", gettext("Choose…")), *_kind_choices()]
    form.unit.choices = _unit_choices(user, reach)
    if not reach.regency_wide:
        form.unit.description = gettext(
            "Documents for the whole regency are added by administrators and by supervisors "
            "of a regency-level unit; they count for your unit too."
        )
    if request.method == "GET":
        # The unit shown above: the one asked for, else the person's own (the regency: admins).
        own = user.unit.code if user.unit is not None and reach.unit_ids is not None else ""
        form.unit.data = request.args.get("unit") or own
    return form


def _page(
    user: User, reach: Reach, form: DocumentForm, errors: dict[str, str] | None = None
) -> str:
    try:
        filters = _filters(user)
    except ValidationFailed as failure:
        errors = {**failure.fields, **(errors or {})}
        start, end = quarter_of(scope.today())
        unit = user.unit if reach.unit_ids is not None else None
        filters = Filters(start, end, unit, None, everything=False)
    unit_id = filters.unit.id if filters.unit is not None else None
    criteria = documents.indicator_27_criteria(filters.start, filters.end, unit_id)
    if filters.everything:
        listed = documents.register(reach.unit_ids, filters.kind)
    else:
        listed = documents.documents_for(filters.start, filters.end, unit_id, filters.kind)
    return render_template(
        "assessment/documents.html",
        filters=filters,
        period_name=documents.period_name(filters.start, filters.end),
        presets=period_presets(scope.today()),
        units=scope.reachable_units(user),
        regency_choice=reach.unit_ids is None,
        kinds=_kind_choices(),
        criteria=criteria,
        listed=listed,
        reach=reach,
        form=form,
        errors=errors or {},
        kind_label=documents.kind_label,
        file_label=document_files.file_label,
        period_of=documents.period_name,
        max_mb=documents.MAX_DOCUMENT_BYTES // (1024 * 1024),
    )


@bp.get("")
@login_required
def register() -> ResponseReturnValue:
    """The register: the checklist of indicator 27 for a period, the documents, the form."""
    user, reach = document_user()
    return _page(user, reach, _prepared_form(user, reach))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A body over the limit: the register again with the reason, and nothing stored."""
    if not current_user.is_authenticated:
        return redirect(url_for("staff.login"))
    try:
        user, reach = document_user()
    except Forbidden as refused:
        return current_app.handle_http_exception(refused)  # a handler may not raise
    form = _prepared_form(user, reach, read_body=False)
    form.file.errors = [documents.too_large_message()]
    return _page(user, reach, form, {"file": documents.too_large_message()}), 413


def _new_document(form: DocumentForm) -> NewDocument:
    upload = form.file.data
    assert form.document_date.data is not None  # DataRequired
    content = upload.read(documents.MAX_DOCUMENT_BYTES + 1)
    return NewDocument(
        kind=form.kind.data or "",
        title=form.title.data or "",
        number=form.number.data,
        document_date=form.document_date.data,
        period_from=form.period_from.data,
        period_to=form.period_to.data,
        unit_id=documents.unit_id_of(form.unit.data),
        content=content,
        filename=upload.filename or "",
    )


def _with_field_errors(form: DocumentForm, fields: dict[str, str]) -> None:
    for name, message in fields.items():
        target = getattr(form, name, None)
        if target is not None:
            target.errors = [*(target.errors or []), message]


@bp.post("")
@login_required
def upload() -> ResponseReturnValue:
    """Store an uploaded document (CSRF-checked); show the register for a period it counts in."""
    user, reach = document_user()
    form = _prepared_form(user, reach)
    if not form.validate_on_submit():
        return _page(user, reach, form), 400
    new = _new_document(form)
    try:
        document = documents.add_document(new, user, ip=request.remote_addr)
    except DocumentTooLarge as failure:
        _with_field_errors(form, {"file": failure.message})
        return _page(user, reach, form), 413
    except ValidationFailed as failure:
        db.session.rollback()
        _with_field_errors(form, failure.fields)
        return _page(user, reach, form), 400
    flash(gettext("Saved: %(title)s.", title=document.title), "success")
    return redirect(_register_url_showing(document, user, reach))


def _register_url_showing(document: AssessmentDocument, user: User, reach: Reach) -> str:
    """The register for the period the uploader was looking at if the document counts in it,
    else for the period the document covers (or its date's quarter)."""
    try:
        filters = _filters(user)
    except ValidationFailed:
        filters = None
    if filters is None or not documents.counts_for_period(document, filters.start, filters.end):
        start, end = (
            (document.period_from, document.period_to)
            if document.period_from and document.period_to
            else quarter_of(document.document_date)
        )
        unit = document.unit or (filters.unit if filters else None)
        filters = Filters(start, end, unit, None, False)
    return f"{url_for('.register')}?{urlencode(filters.args())}#document-{document.id}"


@bp.get("/<int:document_id>/download")
@login_required
def download(document_id: int) -> ResponseReturnValue:
    """The file as uploaded, as an attachment under its cleaned name (never shown inline)."""
    _user, reach = document_user()
    document = _visible_document(document_id, reach)
    found = documents.document_content(document.id)
    assert found is not None
    response = send_file(
        io.BytesIO(found[1]),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:document_id>/delete")
@login_required
def delete(document_id: int) -> Response:
    """Remove a document once the confirmation button was pressed (CSRF-checked)."""
    user, reach = document_user()
    document = _visible_document(document_id, reach)
    back = f"{url_for('.register')}?{urlencode(_back_args())}"
    if not reach.changes(document):
        abort(403)
    if request.form.get("confirm") != "yes":
        flash(gettext("Nothing was deleted: confirm with the button 'Yes, delete'."), "warning")
        return redirect(back)
    title = document.title
    documents.remove_document(document, user, ip=request.remote_addr)
    flash(gettext("Deleted: %(title)s.", title=title), "success")
    return redirect(back)


def _back_args() -> dict[str, str]:
    """The register's filters the delete form carried along."""
    return {
        name: request.form[name]
        for name in ("from", "to", "unit", "kind", "all")
        if request.form.get(name)
    }
