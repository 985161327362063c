"""``/staff/reports/skm``: the SKM report page, its follow-up plans, its PDF and XLSX.

Thin views on the reports blueprint (``reports.skm_…``; ``complaints/app.py``
imports this module): the reports' check of who asks (supervisors their unit
and the units below it, admins everything, officers 403) and of the period
and unit, then :mod:`.skm` for the figures. The page is in the reader's
language; the PDF and the XLSX are in Indonesian (they are filed). A download
is recorded as a report run of kind "skm".
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length, Optional

from complaints import ikm
from complaints.errors import ValidationFailed
from complaints.models import User
from complaints.reports import exports, scope
from complaints.reports.scope import ReportRequest
from complaints.reports.views import XLSX_TYPE, bp, report_view

from . import skm, skm_document, skm_workbook

logger = logging.getLogger(__name__)


class PlanForm(FlaskForm):
    """The follow-up plan of one element (empty removes it)."""

    element = HiddenField()
    plan = TextAreaField(
        _l("Follow-up plan (what the unit will do, who, by when)"),
        validators=[Optional(), Length(max=skm.MAX_PLAN)],
    )


def _page(
    user: User,
    wanted: ReportRequest | None,
    report: skm.SkmReport | None,
    errors: dict[str, str] | None = None,
) -> str:
    context: dict[str, Any] = {"report": None}
    if report is not None:
        context = skm_document.template_context(report)
        context["plan_forms"] = {name: _plan_form(report, name) for name in ikm.ELEMENT_NAMES}
    return render_template(
        "assessment/skm.html",
        wanted=wanted,
        errors=errors or {},
        units=scope.reachable_units(user),
        is_admin=user.role == "admin",
        presets=scope.presets(),
        args=request.args,
        **context,
    )


def _page_with_errors(user: User, errors: dict[str, str]) -> str:
    return _page(user, None, None, errors)


with_skm_request = report_view(_page_with_errors)


def _plan_form(report: skm.SkmReport, element: str) -> PlanForm:
    """The plan form of one element, its text field with an id of its own on the page."""
    plan = report.plans.get(element)
    form = PlanForm(formdata=None, element=element, plan=plan.plan if plan else "")
    form.plan.id = form.plan.label.field_id = f"plan-text-{element}"
    return form


def _build(wanted: ReportRequest) -> skm.SkmReport:
    return skm.build(wanted.start, wanted.end, wanted.unit_code)


@bp.get("/reports/skm")
@with_skm_request
def skm_report(user: User, wanted: ReportRequest) -> ResponseReturnValue:
    return _page(user, wanted, _build(wanted))


@bp.post("/reports/skm/follow-up")
@with_skm_request
def skm_follow_up(user: User, wanted: ReportRequest) -> ResponseReturnValue:
    """Save one element's follow-up plan for the period and unit (CSRF-checked form)."""
    form = PlanForm()
    back = f"{url_for('reports.skm_report')}?{urlencode(wanted.args())}"
    element = form.element.data or ""
    if not form.validate():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
        return redirect(f"{back}#plan-{element}" if element in ikm.ELEMENT_NAMES else back)
    unit_id = skm.unit_id_of(wanted.unit_code)
    try:
        saved = skm.save_plan(user, wanted.start, wanted.end, unit_id, element, form.plan.data)
    except ValidationFailed as failure:
        for message in failure.fields.values():
            flash(message, "danger")
        return redirect(back)
    flash(
        gettext("The follow-up plan was saved.")
        if saved is not None
        else gettext("The follow-up plan was removed."),
        "success",
    )
    logger.info("SKM follow-up plan of %s saved by user %s", element, user.id)
    return redirect(f"{back}#plan-{element}")


@bp.get("/reports/skm.pdf")
@with_skm_request
def skm_pdf(user: User, wanted: ReportRequest) -> ResponseReturnValue:
    report = _build(wanted)
    pdf = skm_document.render_pdf(report, scope.today())
    exports.record_run(user, wanted.start, wanted.end, wanted.unit_code, "pdf", kind=skm.RUN_KIND)
    return _attachment(pdf, "application/pdf", _file_name(wanted, "pdf"))


@bp.get("/reports/skm.xlsx")
@with_skm_request
def skm_xlsx(user: User, wanted: ReportRequest) -> ResponseReturnValue:
    report = _build(wanted)
    content = skm_workbook.workbook_bytes(report)
    exports.record_run(user, wanted.start, wanted.end, wanted.unit_code, "xlsx", kind=skm.RUN_KIND)
    return _attachment(content, XLSX_TYPE, _file_name(wanted, "xlsx"))


def _file_name(wanted: ReportRequest, suffix: str) -> str:
    unit = f"-{wanted.unit_code}" if wanted.unit_code else ""
    return f"laporan-skm-{wanted.start.isoformat()}-{wanted.end.isoformat()}{unit}.{suffix}"


def _attachment(content: bytes, mimetype: str, name: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
