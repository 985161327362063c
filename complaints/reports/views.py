"""The supervisors' reports: dashboard, printable evidence, CSV and XLSX downloads.

Thin views: check who asks, parse the period and unit, ask
:mod:`complaints.metrics`, render or stream. Supervisors see their unit and
the units below it; admins see everything; officers get 403. The figures of
an ended period are served from stored parts, "as of" the instant they were
read; the refresh button (a POST) reads them again now.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from functools import wraps
from typing import IO, Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
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

from complaints import metrics
from complaints.assessment import documents
from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.i18n import local_time
from complaints.models import User

from . import charts, exports, scope, workbook
from .scope import ReportRequest

logger = logging.getLogger(__name__)
bp = Blueprint("reports", __name__, url_prefix="/staff")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_user() -> User:
    """The signed-in staff member, if they may see reports (403 for officers)."""
    user = current_user._get_current_object()
    assert isinstance(user, User)
    if not scope.may_see_reports(user):
        abort(403)
    return user


ReportView = Callable[[User, ReportRequest], ResponseReturnValue]


def report_view(error_page: Callable[[User, dict[str, str]], str]) -> Callable[[ReportView], Any]:
    """A decorator for the views of one report page: sign-in, the supervisor/admin
    check and the period/unit parsing; a bad period or unit shows ``error_page``
    (the page with those errors, by field) with status 400."""

    def decorate(view: ReportView) -> Any:
        @wraps(view)
        def run() -> ResponseReturnValue:
            user = report_user()
            try:
                wanted = scope.report_request(user, request.args)
            except PermissionError:
                abort(403)
            except ValidationFailed as failure:
                return error_page(user, failure.fields), 400
            return view(user, wanted)

        return login_required(run)

    return decorate


def _dashboard_with_errors(user: User, errors: dict[str, str]) -> str:
    return render_template(
        "reports/dashboard.html", errors=errors, figures=None, **_filter_context(user, None)
    )


with_report = report_view(_dashboard_with_errors)


def _filter_context(user: User, wanted: ReportRequest | None) -> dict[str, Any]:
    return {
        "wanted": wanted,
        "units": scope.reachable_units(user),
        "is_admin": user.role == "admin",
        "presets": scope.presets(),
        "args": request.args,
    }


def _age_names() -> dict[str, str]:
    return {
        "under_3": gettext("under 3"),
        "3_to_5": gettext("3 to 5"),
        "5_to_14": gettext("5 to 14"),
        "14_to_60": gettext("14 to 60"),
        "60_plus": gettext("60 or more"),
    }


def _freshness(figures: dict[str, Any], wanted: ReportRequest) -> dict[str, Any]:
    """The "as of" line: when the figures were read, and whether they are stored."""
    return {
        "as_of": local_time(figures["as_of"]),
        "stored": metrics.served_from_storage(wanted.start, wanted.end),
        "refresh_minutes": metrics.PREPARE_INTERVAL_SECONDS // 60,
    }


@bp.get("/reports")
@with_report
def dashboard(user: User, wanted: ReportRequest) -> ResponseReturnValue:
    figures = metrics.report(wanted.start, wanted.end, wanted.unit_code)
    weeks = metrics.weekly_volume(wanted.start, wanted.end, wanted.unit_code)
    drawn = [
        charts.weekly_volume(weeks),
        charts.unit_rates(figures["by_unit"]),
        charts.backlog(figures["backlog"]["by_age_working_days"], _age_names()),
        charts.ikm_per_unit(figures["by_unit"]),
    ]
    return render_template(
        "reports/dashboard.html",
        figures=figures,
        weeks=weeks,
        charts=drawn,
        age_names=_age_names(),
        errors={},
        freshness=_freshness(figures, wanted),
        document_criteria=documents.indicator_27_criteria(
            wanted.start, wanted.end, documents.unit_id_of(wanted.unit_code)
        ),
        period_of=documents.period_name,
        **_filter_context(user, wanted),
    )


@bp.post("/reports/refresh")
@with_report
def refresh(user: User, wanted: ReportRequest) -> ResponseReturnValue:
    """Read the figures of the report asked for from the complaints now (CSRF-checked form)."""
    metrics.refresh(wanted.start, wanted.end, wanted.unit_code)
    flash(gettext("The figures were read again from the complaints."), "success")
    return redirect(f"{url_for('reports.dashboard')}?{urlencode(wanted.args())}")


@bp.get("/reports/evidence")
@with_report
def evidence(user: User, wanted: ReportRequest) -> ResponseReturnValue:
    """The printable evidence became the evidence dossier: its form, with this period and unit."""
    return redirect(f"{url_for('reports.dossier_page')}?{urlencode(wanted.args())}")


def _download_name(wanted: ReportRequest, suffix: str) -> str:
    unit = f"-{wanted.unit_code}" if wanted.unit_code else ""
    return f"aduan-report-{wanted.start.isoformat()}-{wanted.end.isoformat()}{unit}.{suffix}"


def _csv_response(chunks: Iterator[str], name: str) -> Response:
    # The chunks need no application context: werkzeug may read them after the
    # request's context is gone (and never, if the client hangs up).
    response = Response(chunks, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/reports/figures.csv")
@with_report
def figures_csv(user: User, wanted: ReportRequest) -> ResponseReturnValue:
    figures = metrics.report(wanted.start, wanted.end, wanted.unit_code)
    exports.record_run(user, wanted.start, wanted.end, wanted.unit_code, "csv")
    chunks = exports.figures_csv(figures, exports.office_zone())
    return _csv_response(chunks, _download_name(wanted, "csv"))


@bp.get("/reports/complaints.csv")
@with_report
def complaints_csv(user: User, wanted: ReportRequest) -> ResponseReturnValue:
    query = metrics.cohort_query(wanted.start, wanted.end, wanted.unit_code)
    exports.record_run(user, wanted.start, wanted.end, wanted.unit_code, "csv")
    return _csv_response(
        exports.complaints_csv(query, db.engine, exports.office_zone()),
        _download_name(wanted, "complaints.csv"),
    )


@bp.get("/reports/report.xlsx", endpoint="workbook")  # the endpoint's name before the module's
@with_report
def workbook_xlsx(user: User, wanted: ReportRequest) -> ResponseReturnValue:
    figures = metrics.report(wanted.start, wanted.end, wanted.unit_code)
    exports.record_run(user, wanted.start, wanted.end, wanted.unit_code, "xlsx")
    spool = _spool()
    workbook.write_report(figures, spool)
    return _xlsx_response(spool, _download_name(wanted, "xlsx"))


@bp.get("/reports/complaints.xlsx")
@with_report
def complaints_xlsx(user: User, wanted: ReportRequest) -> ResponseReturnValue:
    exports.record_run(user, wanted.start, wanted.end, wanted.unit_code, "xlsx")
    spool = _spool()
    workbook.write_complaints(wanted.start, wanted.end, wanted.unit_code, spool)
    return _xlsx_response(spool, _download_name(wanted, "complaints.xlsx"))


def _spool() -> IO[bytes]:
    # A temporary file, not memory: deleted when the response is closed.
    return tempfile.TemporaryFile()  # send_file closes it


def _xlsx_response(spool: IO[bytes], name: str) -> Response:
    spool.seek(0)
    return send_file(spool, mimetype=XLSX_TYPE, as_attachment=True, download_name=name)
