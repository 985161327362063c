"""Staff registering complaints: walk-ins at the desk, LAPOR! ones one by one or from a CSV.

Thin: parse the form, call :func:`complaints.intake.submit_complaint` (the only
way a complaint is created) or the LAPOR! importer, render.
"""

from __future__ import annotations

import logging
import uuid

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from complaints.categories import category_choices
from complaints.errors import ValidationFailed
from complaints.extensions import db, limiter
from complaints.form_errors import show_on_form
from complaints.intake import Contact, submit_complaint
from complaints.models import AuditLog, Category, Channel, Complaint, Role, User
from complaints.staff import access
from complaints.workflow import Actor

from . import lapor
from .forms import IntakeForm, LaporImportForm
from .views import bp

logger = logging.getLogger(__name__)

MAX_UPLOAD_ROWS = 2000


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
    """Upload a LAPOR! CSV export; show what was imported and which lines were bad."""
    user = _staff()
    if not may_import(user):
        return render_template(
            "error.html",
            title=gettext("Not allowed"),
            message=gettext("Only supervisors, administrators and the front office import files."),
        ), 403
    form = LaporImportForm()
    if request.method == "GET":
        return _import_page(form)
    if not form.validate_on_submit():
        return _import_page(form), 400
    text = lapor.decode(form.file.data.read())
    try:
        result = lapor.import_lapor_csv(text, Actor.staff(user), max_rows=MAX_UPLOAD_ROWS)
    except lapor.ImportRefused as refusal:
        form.file.errors = [str(refusal)]
        return _import_page(form), 422
    _audit(user, "lapor_imported", **result.as_json())
    return _import_page(LaporImportForm(), result, _visible_duplicates(user, result))


def _visible_duplicates(
    user: User, result: lapor.ImportResult
) -> list[tuple[int, str, str | None]]:
    """Rows already registered, with the code only of complaints ``user`` may see."""
    codes = [code for _line, _lapor_id, code in result.duplicates]
    found = db.session.scalars(select(Complaint).where(Complaint.code.in_(codes))).all()
    visible = {complaint.code for complaint in found if access.can_see(user, complaint)}
    return [
        (line, lapor_id, code if code in visible else None)
        for line, lapor_id, code in result.duplicates
    ]


def _import_page(
    form: LaporImportForm,
    result: lapor.ImportResult | None = None,
    duplicates: list[tuple[int, str, str | None]] | None = None,
) -> str:
    return render_template(
        "reports/lapor_import.html",
        form=form,
        result=result,
        duplicates=duplicates or [],
        headers=lapor.HEADERS,
        required=lapor.REQUIRED,
        max_rows=MAX_UPLOAD_ROWS,
    )
