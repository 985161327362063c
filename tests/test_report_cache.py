"""An ended period's report parts are stored, served "as of" when they were read, and kept up.

On the hand-built December 2026 data set of ``test_metrics``, with the clock
at 4 January 2027 (December is over): the first report reads the complaints
and stores its parts; later reports are served from them, with their
``as_of``, even after a change, until the scheduler's preparation (or the
refresh button) reads them again. After each kind of change an app write
path makes, that read makes the stored report equal one read afresh, on
SQLite and on PostgreSQL. No database trigger is involved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import func, select, text

from complaints import clock, erasure, metrics, report_changes, workflow
from complaints.assessment import dossier_numbers
from complaints.extensions import db
from complaints.intake import Contact
from complaints.metrics import preparation
from complaints.models import Complaint, Holiday, ReportAggregate, ReportChange
from sla.sweep import sweep
from tests.conftest import Cast
from tests.staff_helpers import session_csrf, signed_in
from tests.test_metrics import END, REPORT_NOW, STAFF, START, DataSet, at, data, receive
from tests.test_query_counts import counted
from tests.test_reports import bearer

__all__ = ["data"]  # the fixture, shared with test_metrics

# Statements only a report read from the complaints runs: the grouped counts,
# the durations, the backlog and the archive check.
HEAVY = ("AS checked_on_time", "working_seconds", "AS bucket", "NOT (EXISTS")
LATER = REPORT_NOW + timedelta(minutes=5)
PERIOD = f"from={START.isoformat()}&to={END.isoformat()}"


@pytest.fixture
def january(set_now: Callable[[datetime], None]) -> Callable[[datetime], None]:
    """The clock on 4 January 2027, 10:00 WITA: December's month is over."""
    set_now(REPORT_NOW)
    return set_now


def report() -> dict[str, Any]:
    return metrics.report(START, END, now=REPORT_NOW)


def heavy_statements(app: Flask, make: Callable[[], Any]) -> tuple[Any, list[str]]:
    with counted(app) as statements:
        result = make()
    return result, [s for s in statements if any(part in s for part in HEAVY)]


def fresh(period: tuple[date, date] = (START, END), now: datetime = REPORT_NOW) -> dict[str, Any]:
    """The report read from the complaints now."""
    return metrics.report(*period, now=now, fresh=True)


def stored_parts() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportAggregate)) or 0


def marked() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportChange)) or 0


def as_of(figures: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(figures["as_of"])


def test_no_trigger_counts_changes_any_more(app_ctx: Flask) -> None:
    if db.engine.dialect.name == "postgresql":
        # This test session's schema only: others on the server may be older.
        triggers = (
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
        )
        functions = (
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = current_schema()"
        )
        assert list(db.session.scalars(text(functions))) == []
    else:
        triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    assert list(db.session.scalars(text(triggers))) == []
    assert "complaint_generations" not in sa.inspect(db.engine).get_table_names()


def test_an_ended_period_is_read_once_then_served_as_of_that_read(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    first, heavy = heavy_statements(app, report)
    assert heavy, "the first report reads the complaints"
    assert stored_parts() == 1
    assert as_of(first) == REPORT_NOW
    db.session.rollback()

    january(REPORT_NOW + timedelta(hours=1))
    second, heavy = heavy_statements(app, report)
    assert heavy == []
    assert second == first
    assert second["totals"]["received"] == 7
    assert second["indicator_27"]["archived"]["without_events"] == 0


def reject_through_the_workflow(data: DataSet) -> None:
    # G, never checked, is rejected now: after the period, yet the cohort's figures move.
    workflow.reject_complaint(data.complaints["G"], STAFF, "Bukan wewenang")
    workflow.commit()


def reopen_as_the_citizen(data: DataSet) -> None:
    workflow.reopen_complaint(data.complaints["B"], "Datanya belum lengkap")
    workflow.commit()


def receive_late(data: DataSet) -> None:
    # Recorded now from a LAPOR! export, received on 20 December: a backdated intake.
    receive("H", at(20, 10), channel="lapor", lapor_id="LPR-9")
    workflow.commit()


def sweep_a_past_moment(data: DataSet) -> None:
    # `flask sla sweep --now 2026-12-29T10:00+08:00`: steps fired in December.
    summary = sweep(at(29, 10))
    assert summary.escalated + summary.reminded > 0


def sweep_now(data: DataSet) -> None:
    # B's confirmation window ended: the sweep closes it (auto_closed moves).
    summary = sweep(clock.now())
    assert summary.closed == 1 and summary.escalated > 0
    # Marked: B's closing. Not: the steps fired now, which count in January.
    assert marked() == 1


CHANGES = [
    reject_through_the_workflow,
    reopen_as_the_citizen,
    receive_late,
    sweep_a_past_moment,
    sweep_now,
]


@pytest.mark.parametrize("change", CHANGES)
def test_after_a_change_the_older_figures_are_served_until_the_scheduler_reads_them_again(
    app: Flask,
    data: DataSet,
    january: Callable[[datetime], None],
    change: Callable[[DataSet], None],
) -> None:
    before = report()
    db.session.rollback()
    january(LATER)
    change(data)
    assert marked() > 0

    stale, heavy = heavy_statements(app, report)
    assert heavy == []
    assert stale == before, "the stored figures, as of the first read"

    metrics.prepare_ended_periods()
    after, heavy = heavy_statements(app, report)
    assert heavy == [], "the scheduler read them already"
    assert after != before
    assert as_of(after) == LATER
    assert after == fresh()


def test_the_refresh_button_reads_the_figures_again_now(
    app: Flask, cast: Cast, data: DataSet, january: Callable[[datetime], None]
) -> None:
    admin = signed_in(app, cast.admin.email)
    page = admin.get(f"/staff/reports?{PERIOD}").get_data(as_text=True)
    # Indonesian first; 10:00 WITA to the minute, with its zone.
    assert "Angka per 4 Jan 2027 10.00 WITA." in page
    assert "diperbarui paling lambat sekitar 10 menit" in page
    assert "Perbarui</button>" in page
    before = report()
    # Made outside Aduan (psql): nothing marks it, so only a refresh shows it.
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(Complaint)
            .where(Complaint.id == data.complaints["A"].id)
            .values(hidden_from_public=True)
        )
    assert report()["totals"]["published"] == before["totals"]["published"]

    january(LATER)
    url = f"/staff/reports/refresh?{PERIOD}"
    assert admin.get(url).status_code == 405
    assert admin.post(url).status_code == 400  # no CSRF token
    officer = signed_in(app, cast.officer_a.email)
    assert officer.post(url, data={"csrf_token": session_csrf(officer)}).status_code == 403
    response = admin.post(url, data={"csrf_token": session_csrf(admin)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/reports?{PERIOD}")
    shown = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Angka sudah dibaca ulang" in shown and "Angka per 4 Jan 2027 10.05 WITA." in shown

    db.session.rollback()
    after, heavy = heavy_statements(app, report)
    assert heavy == []
    assert after["totals"]["published"] == before["totals"]["published"] - 1
    assert after == fresh()


def test_the_dossier_and_a_running_period_say_when_their_figures_were_read(
    app: Flask, cast: Cast, data: DataSet, january: Callable[[datetime], None]
) -> None:
    admin = signed_in(app, cast.admin.email)
    run = dossier_numbers.issue(None, START, END, None, "html")
    dossier = admin.get(f"/staff/reports/dossier?run={run.id}").get_data(as_text=True)
    assert '<th scope="row">Angka per</th><td>4 Januari 2027 10.00 WITA</td>' in dossier
    assert "2027-01-04T" not in dossier  # no raw instant
    running = admin.get("/staff/reports?from=2027-01-01&to=2027-01-31&lang=en").get_data(
        as_text=True
    )
    assert "Figures as of Jan 4, 2027 10:00" in running
    assert "read from the complaints at every visit" in running
    assert "Refresh</button>" not in running


def test_a_period_still_running_is_not_stored(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    running = metrics.report(START, date(2027, 1, 31), now=REPORT_NOW)
    assert running["totals"]["received"] == 7
    assert as_of(running) == REPORT_NOW
    assert stored_parts() == 0


def test_a_period_that_ended_this_month_is_read_live(
    app: Flask, data: DataSet, set_now: Callable[[datetime], None]
) -> None:
    # Its complaints' changes are not marked (see report_changes), so it is never stored.
    set_now(datetime(2026, 12, 28, 2, 0, tzinfo=UTC))
    metrics.report(date(2026, 12, 1), date(2026, 12, 20))
    assert not metrics.served_from_storage(date(2026, 12, 1), date(2026, 12, 20))
    # And a month that is over waits an hour for writes that began before it ended.
    set_now(datetime(2027, 1, 1, 0, 30, tzinfo=UTC))
    metrics.report(START, END)
    assert stored_parts() == 0
    set_now(datetime(2027, 1, 1, 1, 30, tzinfo=UTC))
    metrics.report(START, END)
    assert stored_parts() == 1


def test_work_on_this_months_complaints_marks_nothing(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    report()
    db.session.rollback()
    receive("J", REPORT_NOW)
    newest = db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
    workflow.reject_complaint(newest, STAFF, "Spam")
    workflow.commit()
    assert marked() == 0
    _second, heavy = heavy_statements(app, report)
    assert heavy == []


def test_a_note_on_an_older_complaint_is_one_insert(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    e = data.complaints["E"]  # received on 7 December
    with counted(app) as statements:
        workflow.add_internal_note(e, STAFF, "Dicek ulang.")
    workflow.commit()
    writes = [s for s in statements if "report_changes" in s]
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("INSERT")
    assert report_changes.changes_up_to(202612) == 1
    assert report_changes.changes_up_to(202611) == 0


def test_overdue_is_counted_at_each_report_not_stored(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    assert report()["totals"]["overdue"] == 2  # F and G
    later = metrics.report(START, END, now=REPORT_NOW.replace(year=2028))
    assert later["totals"]["overdue"] == 2
    # F resolved since: one fewer overdue once the scheduler has read the parts again.
    workflow.resolve_complaint(data.complaints["F"], STAFF, "Selesai.")
    workflow.commit()
    assert report()["totals"]["overdue"] == 2
    metrics.prepare_ended_periods()
    after = report()
    assert after["totals"]["overdue"] == 1
    assert after["totals"]["completed"] == 3  # resolved after the end: not completed then


def test_a_deadline_passing_after_the_period_makes_it_overdue_without_a_change(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    # Received on the last afternoon: to be checked within three working days,
    # after the report is first made.
    due = receive("K", at(31, 14)).verify_due_at
    workflow.commit()
    assert due is not None and due > REPORT_NOW
    assert report()["totals"]["overdue"] == 2  # F and G, not K
    db.session.rollback()
    past_due = due + timedelta(minutes=1)
    later, heavy = heavy_statements(app, lambda: metrics.report(START, END, now=past_due))
    assert heavy == []  # nothing changed: served from storage
    assert later["totals"]["overdue"] == 3
    assert later == fresh(now=past_due)


def test_the_weekly_volume_of_an_ended_period_is_stored_too(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    def weeks() -> dict[str, int]:
        return {week["week"]: week["total"] for week in metrics.weekly_volume(START, END)}

    first = weeks()
    assert first["2026-12-14"] == 1  # G
    db.session.rollback()
    with counted(app) as statements:
        assert weeks() == first
    assert not [s for s in statements if "GROUP BY" in s]
    receive_late(data)  # received on Sunday 20 December
    assert weeks()["2026-12-14"] == 1
    metrics.prepare_ended_periods()
    assert weeks()["2026-12-14"] == 2


def test_the_scheduler_prepares_last_month_and_last_year(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    from complaints.jobs import PREPARE_JOB_ID
    from sla.scheduler import state_of

    assert PREPARE_JOB_ID in state_of(app).jobs
    december, year = (date(2026, 12, 1), date(2026, 12, 31)), (date(2026, 1, 1), date(2026, 12, 31))

    def served(period: tuple[date, date], unit_code: str | None = None) -> Any:
        figures, heavy = heavy_statements(
            app, lambda: metrics.report(*period, unit_code, now=REPORT_NOW)
        )
        assert heavy == [], (period, unit_code)
        return figures

    metrics.prepare_ended_periods()
    for period in (december, year):
        served(period)
        metrics.report(*period, "DLH", now=REPORT_NOW)  # a supervisor of DLH asks once
    january(LATER)
    reject_through_the_workflow(data)  # G (DLH) rejected now: every part above changed
    metrics.prepare_ended_periods()
    for period in (december, year):
        assert served(period, "DLH")["totals"]["rejected"] == 2
    after = served(year)
    assert after["totals"]["rejected"] == 2
    assert after == fresh(year)
    # A unit nobody asked about is not read ahead (that would cost another regency's worth).
    _figures, heavy = heavy_statements(
        app, lambda: metrics.report(*year, "DISKOMINFO", now=REPORT_NOW)
    )
    assert heavy


def test_the_change_log_is_folded_without_losing_a_change(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    report()
    db.session.rollback()
    for name in ("A", "C", "E"):
        workflow.add_internal_note(data.complaints[name], STAFF, "Arsip diperiksa.")
    receive("M", at(20, 10, month=11))
    workflow.commit()
    # A was received on 30 November 10:00 WITA: November in UTC, like M.
    assert marked() == 4
    assert report_changes.changes_up_to(202611) == 2
    assert report_changes.changes_up_to(202612) == 4
    metrics.prepare_ended_periods()  # reads the stale parts again, then folds
    assert marked() == 2  # one row per month
    assert report_changes.changes_up_to(202611) == 2
    assert report_changes.changes_up_to(202612) == 4
    # Folding moved no sum: nothing is read again.
    metrics.prepare_ended_periods()
    _figures, heavy = heavy_statements(app, report)
    assert heavy == []


def test_erasing_a_reporter_drops_the_stored_parts_that_quote_them(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    siti = receive("S", at(10, 9), contact=Contact(name="Siti Rahma", phone="081234567890"))
    reason = "Ibu Siti Rahma melapor ke instansi lain."
    workflow.reject_complaint(siti, STAFF, reason, now=at(11, 9))
    workflow.commit()
    quoted = report()["rejected_by_reason"]
    assert any("Siti" in row["reason"] for row in quoted)
    db.session.rollback()

    erasure.erase_reporter(siti, STAFF, "Permintaan pelapor")
    workflow.commit()
    payloads = db.session.scalars(select(ReportAggregate.payload)).all()
    assert not any("Siti" in payload for payload in payloads)
    after = report()
    assert not any("Siti" in row["reason"] for row in after["rejected_by_reason"])
    assert after == fresh()


def test_the_backfill_of_durations_is_marked_like_any_change(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    # Recorded without durations (as bulk imports once were), then reported.
    db.session.execute(sa.update(Complaint).values(resolve_working_seconds=None))
    db.session.commit()
    assert report()["totals"]["durations"]["resolve"]["count"] == 0
    db.session.rollback()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["report", "backfill-durations"]).exit_code == 0
    metrics.prepare_ended_periods()
    after = report()
    assert after["totals"]["durations"]["resolve"]["count"] == 3
    assert after == fresh()


def test_a_holiday_added_later_is_read_at_once(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    before = report()
    db.session.rollback()
    for day in range(15, 24):
        if date(2026, 12, day).weekday() < 5:
            db.session.add(Holiday(day=date(2026, 12, day), name="Bencana banjir"))
    db.session.commit()
    # The backlog's age edges moved: the report is another stored part, read now.
    after, heavy = heavy_statements(app, report)
    assert heavy
    assert after["backlog"] != before["backlog"]
    assert after == fresh()


def test_flask_report_reads_the_complaints_while_the_api_serves_what_is_stored(
    app: Flask, cast: Cast, data: DataSet, january: Callable[[datetime], None], tmp_path: Any
) -> None:
    headers = bearer(app, cast.admin)
    client = app.test_client()
    stored_then = client.get(f"/api/v1/metrics?{PERIOD}", headers=headers).get_json()
    assert as_of(stored_then) == REPORT_NOW
    with db.engine.begin() as connection:  # outside Aduan: not marked
        connection.execute(text("UPDATE complaints SET reopened_count = 5"))
    january(LATER)
    served = client.get(f"/api/v1/metrics?{PERIOD}", headers=headers).get_json()
    assert served["totals"]["reopens"] == stored_then["totals"]["reopens"]
    assert as_of(served) == REPORT_NOW

    out = tmp_path / "report.json"
    args = ["report", "--from", START.isoformat(), "--to", END.isoformat()]
    result = app.test_cli_runner().invoke(args=[*args, "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert '"reopens": 35' in out.read_text()  # 7 complaints, 5 each
    # The command stored what it read: the API serves it from now on.
    served = client.get(f"/api/v1/metrics?{PERIOD}", headers=headers).get_json()
    assert (served["totals"]["reopens"], as_of(served)) == (35, LATER)


def test_parts_nobody_asked_for_in_a_month_are_dropped(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    report()
    assert stored_parts() == 1
    january(REPORT_NOW + timedelta(days=20))
    report()  # asked again: kept a month from now
    january(REPORT_NOW + timedelta(days=45))
    metrics.prepare_ended_periods()
    assert START in db.session.scalars(select(ReportAggregate.period_from)).all()
    january(REPORT_NOW + timedelta(days=55))
    metrics.prepare_ended_periods()
    kept = db.session.scalars(select(ReportAggregate.period_from)).all()
    assert START not in kept  # not asked for since day 20
    assert kept  # the presets (January, and 2026) stay


def test_writers_of_the_same_month_do_not_wait_for_each_other(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    a_id, c_id = data.complaints["A"].id, data.complaints["C"].id
    db.session.rollback()
    with app.app_context():  # the first writer: its mark of December not committed
        first = db.session.get(Complaint, a_id)
        assert first is not None
        workflow.add_internal_note(first, STAFF, "Satu.")
        with app.app_context():  # the second writer, another connection
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            second = db.session.get(Complaint, c_id)
            assert second is not None
            workflow.add_internal_note(second, STAFF, "Dua.")
            workflow.commit()  # would time out waiting for a row the first one holds
        workflow.commit()
    assert report_changes.changes_up_to(202612) == 2


def test_one_process_at_a_time_prepares_the_ended_periods(app_ctx: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite deployments run one scheduler")
    # The second is what another worker's scheduler sees meanwhile (another connection).
    with (
        preparation.alone("prepare ended periods") as first,
        preparation.alone("prepare ended periods") as second,
    ):
        assert (first, second) == (True, False)
    with preparation.alone("prepare ended periods") as again:
        assert again


def test_a_running_period_read_fresh_is_not_stored_either(
    app: Flask, data: DataSet, january: Callable[[datetime], None]
) -> None:
    metrics.refresh(date(2027, 1, 1), date(2027, 1, 31))
    assert stored_parts() == 0
