"""Staff registering complaints: walk-ins at the desk, LAPOR! ones one by one or from an export.

Thin: parse the form, call :func:`complaints.intake.submit_complaint` or the
LAPOR! importer (:mod:`complaints.lapor`, the same code as ``flask lapor
import``), render.
"""

from __future__ import annotations

import logging
import uuid
from textwrap import shorten

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from complaints import labels, lapor
from complaints.categories import category_choices
from complaints.errors import ValidationFailed
from complaints.extensions import db, limiter
from complaints.form_errors import show_on_form
from complaints.i18n import local_time
from complaints.intake import Contact, submit_complaint
from complaints.models import AuditLog, Category, Channel, Role, User
from complaints.staff import access
from complaints.workflow import Actor

from .forms import IntakeForm, LaporImportForm
from .views import bp

logger = logging.getLogger(__name__)

# A page request imports at most this many rows; `flask lapor import` has no limit.
MAX_UPLOAD_ROWS = 5000
# The SP4N-LAPOR! export's own columns (DESIGN.md), named on the page.
LAPOR_HEADERS = (
    "lapor_id",
    "received_date",
    "received_time",
    "kind",
    "lapor_category_id",
    "category",
    "title",
    "description",
    "answer",
    "privacy",
    "source",
    "parent_agency",
    "lapor_unit_id",
    "unit",
    "status",
    "reason",
    "province",
    "regency",
    "kecamatan",
    "desa",
)


def _staff() -> User:
    user = current_user._get_current_object()
    assert isinstance(user, User)
    return user


def may_import(user: User) -> bool:
    """Supervisors, admins and front-office officers import LAPOR! files."""
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    return bool(user.unit is not None and user.unit.is_front_office)


def _audit(user: User, action: str, **detail: object) -> None:
    db.session.add(
        AuditLog(actor_user_id=user.id, action=action, ip=request.remote_addr, detail=detail)
    )
    db.session.commit()


def _category_choices() -> list[SelectChoice]:
    return category_choices(str(get_locale() or "id"))


def _register(form: IntakeForm, user: User) -> ResponseReturnValue:
    channel = form.channel.data or Channel.COUNTER.value
    lapor_id = (form.lapor_id.data or "").strip() or None
    if channel == Channel.LAPOR and lapor_id is None:
        form.lapor_id.errors = [gettext("Give the LAPOR! tracking id.")]
        return render_template("reports/intake.html", form=form), 422
    token = form.submission_token.data or uuid.uuid4().hex
    result = submit_complaint(
        channel=channel,
        category=db.session.scalar(select(Category).where(Category.code == form.category.data)),
        description=form.description.data,
        kind=form.kind.data,
        address=form.address.data,
        contact=Contact(name=form.name.data, phone=form.phone.data, email=form.email.data),
        anonymous=form.anonymous.data,
        confidential=form.confidential.data,
        # A LAPOR! complaint is the same one whoever registers it, whenever.
        external_id=lapor_id if channel == Channel.LAPOR else f"counter-{token}",
        lapor_id=lapor_id if channel == Channel.LAPOR else None,
        actor=Actor.staff(user),
    )
    code = result.complaint.code
    if not result.created and access.can_see(user, result.complaint):
        flash(gettext("This complaint is already registered as %(code)s.", code=code), "info")
    elif not result.created:
        # Another unit's complaint: its code is not this officer's to learn.
        flash(gettext("This LAPOR! id is already registered."), "info")
    else:
        _audit(user, "complaint_registered", code=code, channel=channel)
        flash(
            gettext("Registered as %(code)s. Give the citizen this tracking code.", code=code),
            "success",
        )
    if access.can_see(user, result.complaint):
        return redirect(url_for("staff.complaint_view", code=code))
    return redirect(url_for("reports.intake"))


@bp.route("/intake", methods=["GET", "POST"])
@login_required
@limiter.limit("60/minute", methods=["POST"])
def intake() -> ResponseReturnValue:
    """Register a complaint received at the desk or forwarded from SP4N-LAPOR!."""
    user = _staff()
    form = IntakeForm()
    form.category.choices = _category_choices()
    if request.method == "GET":
        form.submission_token.data = uuid.uuid4().hex
        return render_template("reports/intake.html", form=form, may_import=may_import(user))
    if not form.validate_on_submit():
        return render_template("reports/intake.html", form=form, may_import=may_import(user)), 422
    try:
        return _register(form, user)
    except ValidationFailed as failure:
        show_on_form(form, failure)
        return render_template("reports/intake.html", form=form, may_import=may_import(user)), 422


@bp.route("/intake/lapor-import", methods=["GET", "POST"])
@login_required
@limiter.limit("10/minute", methods=["POST"])
def lapor_import() -> ResponseReturnValue:
    """Preview (a dry run) or import a SP4N-LAPOR! export, as ``flask lapor import`` does."""
    user = _staff()
    if not may_import(user):
        return render_template(
            "error.html",
            title=gettext("Not allowed"),
            message=gettext("Only supervisors, administrators and the front office import files."),
        ), 403
    form = LaporImportForm()
    if user.role != Role.ADMIN:
        del form.create_units  # units are the administrators' to create
    if request.method == "GET":
        return _import_page(form)
    if not form.validate_on_submit():
        return _import_page(form), 400
    create_units = bool(form.create_units.data) if "create_units" in form else False
    if create_units and not form.history.data:
        form.create_units.errors = [gettext("Units are created only from history: tick it too.")]
        return _import_page(form), 422
    dry_run = bool(form.preview.data)
    options = lapor.ImportOptions(
        history=bool(form.history.data),
        create_units=create_units,
        dry_run=dry_run,
        max_rows=MAX_UPLOAD_ROWS,
    )
    upload = form.file.data
    try:
        summary = lapor.import_file(
            upload.read(), upload.filename or "", options, Actor.staff(user)
        )
    except lapor.ImportRefused as refusal:
        form.file.errors = [str(refusal)]
        return _import_page(form), 422
    if not dry_run:
        _audit(user, "lapor_imported", history=options.history, **summary.as_json())
    return _import_page(form, summary, dry_run)


def _unit_words(row: lapor.PreviewRow, dry_run: bool) -> str:
    if row.unit_state == "found":
        return row.unit or "—"
    if row.unit_state == "new":
        return (
            gettext("%(name)s (will be created)", name=row.unit)
            if dry_run
            else gettext("%(name)s (created)", name=row.unit)
        )
    if row.unit_state == "unmatched":
        return gettext("%(name)s: no such unit here, imported without a unit", name=row.unit)
    unit = row.category.default_unit
    return gettext("%(name)s, until the front office routes it", name=unit.name) if unit else "—"


def _preview_rows(
    summary: lapor.ImportSummary, *, history: bool, dry_run: bool
) -> list[dict[str, str]]:
    """The summary's first rows in words, for the preview table."""
    locale = str(get_locale() or "id")
    rows = []
    for row in summary.preview:
        flags = [gettext("anonymous")] if row.anonymous else []
        flags += [gettext("confidential")] if row.confidential else []
        rows.append(
            {
                "row": str(row.row),
                "lapor_id": row.lapor_id,
                "title": shorten(" ".join(row.title.split()), width=90, placeholder=" …"),
                "kind": labels.kind_label(row.kind),
                "category": row.category.name(locale),
                "unit": _unit_words(row, dry_run),
                "status": labels.staff_status_label(row.status),
                "received": (
                    local_time(row.received_at) if history else gettext("when imported (now)")
                ),
                "privacy": ", ".join(flags) or gettext("ordinary"),
                "present": gettext("already imported") if row.already_present else "",
            }
        )
    return rows


def _import_page(
    form: LaporImportForm, summary: lapor.ImportSummary | None = None, dry_run: bool = False
) -> str:
    return render_template(
        "reports/lapor_import.html",
        form=form,
        summary=summary,
        dry_run=dry_run,
        preview=(
            _preview_rows(summary, history=bool(form.history.data), dry_run=dry_run)
            if summary
            else []
        ),
        headers=[names[0] for field, names in lapor.COLUMNS.items() if field in LAPOR_HEADERS],
        max_rows=MAX_UPLOAD_ROWS,
    )
