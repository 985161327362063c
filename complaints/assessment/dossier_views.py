"""``/staff/reports/dossier``: issue the evidence dossier, show its A4 page, download its PDF.

The form (GET, prefilled from the query's period and unit and from the
letterhead's signer) is sent with POST: that issues the dossier's number
(one ``ReportRun``) and redirects to its print page or its PDF, both GET
with ``run`` (the issued run) and the signer in the query. Reloading the
page or downloading its PDF shows the same number; only the form issues a
new one. Supervisors reach their unit and the units below it, admins
everything; officers get 403. The routes join the reports blueprint
(``reports.dossier…``); ``complaints/app.py`` imports this module.
"""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import urlencode

from flask import Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.models import ReportRun, Role, Unit, User
from complaints.reports import scope
from complaints.reports.views import bp, report_user

from . import dossier, dossier_numbers, dossier_periods
from .dossier_forms import DossierForm

logger = logging.getLogger(__name__)

# The print page's query: the issued run and who signs.
SIGNER_ARGS = {"signer": 200, "nip": 32, "position": 200, "place": 100}


def _unit_choices(user: User) -> list[tuple[str, str]]:
    units = [(unit.code, unit.name) for unit in scope.reachable_units(user)]
    if user.role == Role.ADMIN:
        return [("", gettext("Whole regency")), *units]
    return units


def _period_choices() -> dict[str, list[tuple[str, str]]]:
    grouped = dict(dossier_periods.choices(scope.today()))
    grouped[gettext("Other")] = [(dossier_periods.CUSTOM, gettext("Other dates (below)"))]
    return grouped


def _prepare(form: DossierForm, user: User) -> None:
    form.period.choices = _period_choices()
    form.unit.choices = _unit_choices(user)


def _prefill(form: DossierForm, user: User, args: MultiDict[str, str]) -> None:
    """The period and unit the query names (the reports page's), and the usual signer."""
    today = scope.today()
    form.period.data = dossier_periods.default_key(today)
    try:
        start, end = scope.parse_period(args) if args.get("from") else (None, None)
    except ValidationFailed:
        start, end = None, None
    if start is not None and end is not None:
        chosen = dossier_periods.period_of(start, end)
        form.period.data = chosen.key
        if chosen.key == dossier_periods.CUSTOM:
            form.start.data, form.end.data = start, end
    codes = [code for code, _name in _unit_choices(user)]
    wanted = args.get("unit") or (user.unit.code if user.unit and user.role != Role.ADMIN else "")
    form.unit.data = wanted if wanted in codes else (codes[0] if codes else "")
    signer = dossier.default_signer(today)
    form.signer_name.data = signer.name
    form.signer_nip.data = signer.nip
    form.signer_position.data = signer.position
    form.place.data = signer.place
    form.sign_date.data = signer.day


def _form_page(form: DossierForm, status: int = 200) -> ResponseReturnValue:
    return render_template("assessment/dossier_form.html", form=form), status


@bp.get("/reports/dossier")
@login_required
def dossier_page() -> ResponseReturnValue:
    """The form; with ``run``, the print page of that issued dossier."""
    user = report_user()
    if request.args.get("run"):
        run = _issued_run(user)
        links = {
            "back": _url("reports.dossier_page", _period_args(run)),
            "pdf": _url("reports.dossier_pdf", _print_args(run.id, request.args)),
        }
        return dossier.render(run, _signer(request.args), links)
    if user.role != Role.ADMIN and user.unit is None:
        abort(403)  # a supervisor without a unit has no reports
    form = DossierForm(formdata=None)
    _prepare(form, user)
    _prefill(form, user, request.args)
    return _form_page(form)


@bp.post("/reports/dossier")
@login_required
def dossier_issue() -> ResponseReturnValue:
    """Issue a dossier (its number) and go to its print page or its PDF."""
    user = report_user()
    form = DossierForm()
    _prepare(form, user)
    if not form.validate():
        return _form_page(form, 400)
    try:
        start, end = _chosen_period(form)
        wanted = scope.report_request(
            user, {"from": start.isoformat(), "to": end.isoformat(), "unit": form.unit.data or ""}
        )
    except ValidationFailed as failure:
        for name, message in failure.fields.items():
            field = {"from": form.start, "to": form.end}.get(name, form.period)
            field.errors = [*field.errors, message]
        return _form_page(form, 400)
    except PermissionError:
        abort(403)
    unit = scope.unit_by_code(wanted.unit_code)
    output = "pdf" if form.pdf.data else "html"
    run = dossier_numbers.issue(user, wanted.start, wanted.end, unit, output)
    signer_args = {
        "signer": form.signer_name.data or "",
        "nip": form.signer_nip.data or "",
        "position": form.signer_position.data or "",
        "place": form.place.data or "",
        "date": form.sign_date.data.isoformat() if form.sign_date.data else "",
    }
    endpoint = "reports.dossier_pdf" if output == "pdf" else "reports.dossier_page"
    return redirect(_url(endpoint, {"run": str(run.id), **signer_args}), 303)


@bp.get("/reports/dossier.pdf")
@login_required
def dossier_pdf() -> ResponseReturnValue:
    """The PDF of an issued dossier; without ``run``, the form."""
    user = report_user()
    if not request.args.get("run"):
        return redirect(_url("reports.dossier_page", request.args.to_dict()))
    run = _issued_run(user)
    pdf = dossier.render_pdf(run, _signer(request.args))
    name = "berkas-bukti-" + (run.document_number or str(run.id)).replace("/", "-") + ".pdf"
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _chosen_period(form: DossierForm) -> tuple[date, date]:
    """The period the form names: a named one, or the custom dates (checked as reports check)."""
    if form.period.data == dossier_periods.CUSTOM:
        if form.start.data is None or form.end.data is None:
            message = gettext("Give the first and the last day.")
            raise ValidationFailed({"from" if form.start.data is None else "to": message})
        return scope.parse_period(
            {"from": form.start.data.isoformat(), "to": form.end.data.isoformat()}
        )
    chosen = dossier_periods.named_period(form.period.data or "")
    return chosen.start, chosen.end


def _issued_run(user: User) -> ReportRun:
    """The dossier run the query names, if ``user`` may see its unit (404 / 403)."""
    try:
        run_id = int(request.args.get("run", ""))
    except ValueError:
        abort(404)
    run = db.session.get(ReportRun, run_id)
    if run is None or run.kind != dossier_numbers.KIND or not run.document_number:
        abort(404)
    if user.role != Role.ADMIN:
        reachable = {unit.id for unit in scope.reachable_units(user)}
        if run.unit_id is None or run.unit_id not in reachable:
            abort(403)
    return run


def _period_args(run: ReportRun) -> dict[str, str]:
    args = {"from": run.period_from.isoformat(), "to": run.period_to.isoformat()}
    unit = db.session.get(Unit, run.unit_id) if run.unit_id is not None else None
    if unit is not None:
        args["unit"] = unit.code
    return args


def _print_args(run_id: int, args: MultiDict[str, str]) -> dict[str, str]:
    kept = {name: args.get(name, "") for name in (*SIGNER_ARGS, "date")}
    return {"run": str(run_id), **kept}


def _url(endpoint: str, args: dict[str, str]) -> str:
    return f"{url_for(endpoint)}?{urlencode(args)}" if args else url_for(endpoint)


def _signer(args: MultiDict[str, str]) -> dossier.Signer:
    """Who signs, from the query; the letterhead's signer for what the query leaves out."""
    usual = dossier.default_signer(scope.today())

    def text(name: str, default: str) -> str:
        return " ".join((args.get(name) or "").split())[: SIGNER_ARGS[name]] or default

    try:
        day = date.fromisoformat(args.get("date", ""))
    except ValueError:
        day = usual.day
    return dossier.Signer(
        name=text("signer", usual.name),
        nip=text("nip", usual.nip),
        position=text("position", usual.position),
        place=text("place", usual.place),
        day=day,
    )
