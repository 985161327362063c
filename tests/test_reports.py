"""The supervisors' reports: access, downloads that match the JSON, ReportRun evidence, CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from complaints.api.auth import issue_token
from complaints.extensions import db
from complaints.models import ReportRun, User
from complaints.reports import exports
from tests.conftest import Cast, MakeComplaint
from tests.staff_helpers import signed_in

PERIOD = "from=2026-01-01&to=2026-12-31"


@pytest.fixture
def complaints(make_complaint: MakeComplaint) -> None:
    make_complaint(status="closed", category_code="road-damage")
    make_complaint(status="in_progress", category_code="road-damage", channel="lapor")
    make_complaint(status="rejected", category_code="road-damage")
    make_complaint(status="resolved", category_code="waste")


def bearer(app: Flask, user: User) -> dict[str, str]:
    """A staff API token for ``user``, as request headers."""
    with app.app_context():
        _token, secret = issue_token(db.session.merge(user))
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def metrics_json(app: Flask, user: User, query: str = PERIOD) -> dict:
    response = app.test_client().get(f"/api/v1/metrics?{query}", headers=bearer(app, user))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def runs() -> list[tuple[str, int | None]]:
    return [(run.format, run.user_id) for run in db.session.scalars(select(ReportRun))]


REPORT_URLS = [
    "/staff/reports",
    "/staff/reports/evidence",
    "/staff/reports/figures.csv",
    "/staff/reports/complaints.csv",
    "/staff/reports/report.xlsx",
]


def test_who_sees_reports(app: Flask, cast: Cast, complaints: None) -> None:
    anonymous = app.test_client()
    for url in REPORT_URLS:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert anonymous.get("/api/v1/metrics").status_code == 401
    wrong = anonymous.get("/api/v1/metrics", headers={"Authorization": "Bearer aduan_nope"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "unauthorized"

    officer = signed_in(app, cast.officer_a.email)
    for url in REPORT_URLS:
        assert officer.get(url).status_code == 403, url
    api = app.test_client()
    assert api.get("/api/v1/metrics", headers=bearer(app, cast.officer_a)).status_code == 403

    supervisor = signed_in(app, cast.supervisor.email)  # unit A: PUPR
    # The session cookie is not an API credential (the API is CSRF-exempt).
    assert supervisor.get("/api/v1/metrics").status_code == 401
    own = metrics_json(app, cast.supervisor)
    assert own["unit"] == "PUPR" and own["totals"]["received"] == 3
    assert supervisor.get(f"/staff/reports?{PERIOD}&unit=DLH").status_code == 403
    other = api.get(f"/api/v1/metrics?{PERIOD}&unit=DLH", headers=bearer(app, cast.supervisor))
    assert other.status_code == 403

    admin = signed_in(app, cast.admin.email)
    everything = metrics_json(app, cast.admin)
    assert everything["unit"] is None and everything["totals"]["received"] == 4
    assert admin.get(f"/staff/reports?{PERIOD}&unit=DLH").status_code == 200


def test_the_dashboard_shows_tables_and_charts(app: Flask, cast: Cast, complaints: None) -> None:
    # In English, to read the labels as written in the code (Indonesian is the default).
    client = signed_in(app, cast.admin.email)
    html = client.get(f"/staff/reports?{PERIOD}&lang=en").get_data(as_text=True)
    assert html.count("<svg") >= 4 and "<rect" in html
    assert "Indicator 28" in html and "Indicator 27" in html
    assert "Dinas Pekerjaan Umum dan Penataan Ruang" in html
    # Two units, each below the minimum count: flagged, not ranked.
    assert "fewer than 5 complaints" in html
    # Durations by unit, channel, kind and category, each a table of its own.
    assert html.count("To first response") == 4 and html.count("90th percentile") >= 5


def test_bad_periods_are_refused_clearly(app: Flask, cast: Cast) -> None:
    client = signed_in(app, cast.admin.email)
    response = client.get("/staff/reports?from=2026-13-01")
    assert response.status_code == 400 and "bukan tanggal" in response.get_data(as_text=True)
    assert client.get("/staff/reports?from=2026-05-01&to=2026-04-01").status_code == 400
    failure = app.test_client().get("/api/v1/metrics?unit=NOPE", headers=bearer(app, cast.admin))
    assert failure.status_code == 422 and failure.get_json()["error"]["fields"]["unit"]


def _csv(client: FlaskClient, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csv_and_xlsx_match_the_json(app: Flask, cast: Cast, complaints: None) -> None:
    client = signed_in(app, cast.admin.email)
    report = metrics_json(app, cast.admin)

    # Two generations differ only in their time and in the count of reports generated
    # before them (each download is itself evidence for indicator 27).
    def volatile(key: tuple) -> bool:
        return key == ("report", "", "generated_at") or key[2].startswith("reported.")

    expected = {(s, i, k): v for s, i, k, v in exports.flatten(report) if not volatile((s, i, k))}

    rows = _csv(client, f"/staff/reports/figures.csv?{PERIOD}")
    assert rows[0] == list(exports.FIGURE_COLUMNS)
    found = {(s, i, k): v for s, i, k, v in rows[1:] if not volatile((s, i, k))}
    assert found == {key: exports.csv_text(value) for key, value in expected.items()}
    assert len(rows) - 1 == len(set(map(tuple, rows[1:])))  # no row twice
    assert found[("totals", "", "received")] == "4"
    assert found[("indicator_28", "", "received_lapor")] == "1"
    assert found[("by_unit", "PUPR", "ikm.respondents")] == "0"
    # Each breakdown carries its working-time durations (one road-damage complaint closed).
    assert found[("by_category", "road-damage", "durations.resolve.count")] == "1"
    assert found[("by_channel_detail", "lapor", "durations.resolve.count")] == "0"
    assert ("by_kind", "complaint", "durations.check.median_working_hours") in found

    # The workbook is for people (tests/test_exports.py); its figures are the JSON's.
    response = client.get(f"/staff/reports/report.xlsx?{PERIOD}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    summary = dict((*row, None)[:2] for row in book["Ringkasan"].values)
    assert summary["Laporan diterima"] == report["totals"]["received"] == 4
    assert summary["Tingkat penyelesaian"] == report["totals"]["completion_rate"]
    assert len(list(book["Aduan"].values)) == 5

    complaint_rows = _csv(client, f"/staff/reports/complaints.csv?{PERIOD}")
    assert len(complaint_rows) == 5 and "lapor" in {row[2] for row in complaint_rows}
    assert runs() == [
        ("api", cast.admin.id),
        ("csv", cast.admin.id),
        ("xlsx", cast.admin.id),
        (
            "csv",
            cast.admin.id,
        ),
    ]


def test_the_printable_evidence_leads_to_the_evidence_dossier(
    app: Flask, cast: Cast, complaints: None
) -> None:
    client = signed_in(app, cast.supervisor.email)
    response = client.get(f"/staff/reports/evidence?{PERIOD}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/reports/dossier?{PERIOD}&unit=PUPR")
    assert runs() == []  # only issuing a dossier is a report run


def test_the_report_command_writes_each_format(
    app_ctx: Flask, tmp_path: Path, complaints: None
) -> None:
    runner = app_ctx.test_cli_runner()
    for kind in ("json", "csv", "xlsx"):
        out = tmp_path / f"report.{kind}"
        result = runner.invoke(
            args=[
                "report",
                "--from",
                "2026-01-01",
                "--to",
                "2026-12-31",
                "--format",
                kind,
                "--out",
                str(out),
            ]
        )
        assert result.exit_code == 0, result.output
        assert "4 received" in result.output
    figures = json.loads((tmp_path / "report.json").read_text())
    assert figures["totals"]["received"] == 4 and figures["indicator_28"]["received_lapor"] == 1
    rows = list(csv.reader((tmp_path / "report.csv").open(encoding="utf-8")))
    assert ["totals", "", "received", "4"] in rows
    book = load_workbook(tmp_path / "report.xlsx", read_only=True)
    assert ("Laporan diterima", 4) in list(book["Ringkasan"].values)
    assert sorted(kind for kind, _user in runs()) == ["csv", "json", "xlsx"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-02-30", "--to", "2026-03-01"], "is not a date"),
        (["--from", "2026-03-01", "--to", "2026-02-01"], "lebih awal daripada awal periode"),
        (["--from", "2026-01-01", "--to", "2026-12-31", "--unit", "NOPE"], "NOPE"),
        (["--from", "2026-01-01", "--to", "2026-12-31", "--format", "pdf"], "pdf"),
        (["--from", "2026-01-01"], "Missing option"),
    ],
)
def test_the_report_command_refuses_bad_arguments(
    app_ctx: Flask, tmp_path: Path, args: list[str], message: str
) -> None:
    defaults = ["--out", str(tmp_path / "r.json")]
    if "--format" not in args:
        defaults += ["--format", "json"]
    result = app_ctx.test_cli_runner().invoke(args=["report", *args, *defaults])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(ReportRun)) == 0
