"""A closed period's report parts are stored, and never served once a complaint changed.

On the hand-built December 2026 data set of ``test_metrics`` (report made on
4 January 2027, so the period has ended): the first report reads the
complaints and stores its parts; the next one is served from them without
the heavy statements. Every kind of change to the complaints behind it —
through the workflow, a late intake, a bare SQL UPDATE from another
connection, an event added to a complaint without history, a holiday that
moves the backlog's age edges — makes the next report equal to one read
afresh, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import delete, func, select, text

from complaints import metrics, report_cache, workflow
from complaints.extensions import db
from complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintGeneration,
    Escalation,
    Holiday,
    ReportAggregate,
)
from tests.test_metrics import END, REPORT_NOW, STAFF, START, DataSet, at, data, receive
from tests.test_query_counts import counted

__all__ = ["data"]  # the fixture, shared with test_metrics

# Statements only a report read from the complaints runs: the grouped counts,
# the durations, the backlog and the archive check.
HEAVY = ("AS checked_on_time", "working_seconds", "AS bucket", "NOT (EXISTS")


def report() -> dict[str, Any]:
    return metrics.report(START, END, now=REPORT_NOW)


def heavy_statements(app: Flask, make: Callable[[], Any]) -> tuple[Any, list[str]]:
    with counted(app) as statements:
        result = make()
    return result, [s for s in statements if any(part in s for part in HEAVY)]


def fresh(period: tuple[date, date] = (START, END), now: datetime = REPORT_NOW) -> dict[str, Any]:
    """The report read from the complaints, nothing stored."""
    db.session.execute(delete(ReportAggregate))
    db.session.commit()
    return metrics.report(*period, now=now)


def stored_parts() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportAggregate)) or 0


def test_the_triggers_that_count_changes_are_installed(app_ctx: Flask) -> None:
    wanted = {
        f"aduan_{table}_{change}"
        for table in ("complaints", "complaint_events", "escalations")
        for change in ("inserted", "updated", "deleted")
    }
    if db.engine.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    # A batch migration that rebuilds the complaints table on SQLite drops its
    # triggers: this test notices.
    assert wanted <= set(db.session.scalars(text(query)))


def test_a_closed_period_is_read_once_then_served_from_storage(app: Flask, data: DataSet) -> None:
    first, heavy = heavy_statements(app, report)
    assert heavy, "the first report reads the complaints"
    assert stored_parts() == 1
    db.session.rollback()

    second, heavy = heavy_statements(app, report)
    assert heavy == []
    assert second == first
    assert second["totals"]["received"] == 7
    assert second["indicator_27"]["archived"]["without_events"] == 0


def test_overdue_is_counted_at_each_report_not_stored(app: Flask, data: DataSet) -> None:
    assert report()["totals"]["overdue"] == 2  # F and G
    later = metrics.report(START, END, now=REPORT_NOW.replace(year=2028))
    assert later["totals"]["overdue"] == 2
    # A complaint resolved since: one fewer overdue, and the stored parts are read again.
    workflow.resolve_complaint(data.complaints["F"], STAFF, "Selesai.", now=REPORT_NOW)
    workflow.commit()
    after, heavy = heavy_statements(app, report)
    assert heavy
    assert after["totals"]["overdue"] == 1
    assert after["totals"]["completed"] == report()["totals"]["completed"] == 3  # after the end


def test_a_deadline_passing_after_the_period_makes_it_overdue_without_a_change(
    app: Flask, data: DataSet
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


def change_through_the_workflow(data: DataSet) -> None:
    # G, never checked, is rejected now: after the period, yet the cohort's figures move.
    workflow.reject_complaint(data.complaints["G"], STAFF, "Bukan wewenang", now=REPORT_NOW)
    workflow.commit()


def receive_late(data: DataSet) -> None:
    # Recorded now from a LAPOR! export, received on 20 December.
    receive("H", at(20, 10), channel="lapor", lapor_id="LPR-9")
    workflow.commit()


def update_from_another_connection(data: DataSet) -> None:
    # As an operator would in psql: no ORM, no workflow.
    update_from_another_connection_to(data.complaints["A"].id)


def move_a_complaint_out_of_the_period(data: DataSet) -> None:
    # A received date corrected to after the period: the old month must count it.
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(Complaint)
            .where(Complaint.id == data.complaints["G"].id)
            .values(created_at=REPORT_NOW)
        )


def move_the_history_of_a_complaint_to_another(data: DataSet) -> None:
    # G's only events filed under A by mistake: G is left without a history.
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == data.complaints["G"].id)
            .values(complaint_id=data.complaints["A"].id)
        )


def record_an_escalation_in_the_period(data: DataSet) -> None:
    # As `flask sla sweep --now` for a past moment would: fired inside the period.
    g = data.complaints["G"]
    db.session.add(
        Escalation(
            complaint_id=g.id, deadline="verify", level=2, due_at=at(21, 10), fired_at=at(21, 10)
        )
    )
    db.session.commit()


def add_a_holiday(data: DataSet) -> None:
    for day in range(15, 24):
        if date(2026, 12, day).weekday() < 5:
            db.session.add(Holiday(day=date(2026, 12, day), name="Bencana banjir"))
    db.session.commit()


@pytest.mark.parametrize(
    "change",
    [
        change_through_the_workflow,
        receive_late,
        update_from_another_connection,
        move_a_complaint_out_of_the_period,
        move_the_history_of_a_complaint_to_another,
        record_an_escalation_in_the_period,
        add_a_holiday,
    ],
)
def test_a_change_behind_the_figures_is_never_served_stale(
    app: Flask, data: DataSet, change: Callable[[DataSet], None]
) -> None:
    before = report()
    db.session.rollback()
    change(data)
    after, heavy = heavy_statements(app, report)
    assert heavy, "the changed period is read again"
    assert after != before
    assert after == fresh()


def test_a_report_made_inside_a_transaction_that_wrote_is_neither_stored_nor_served(
    app: Flask, data: DataSet
) -> None:
    before = report()
    hide = sa.update(Complaint).values(hidden_from_public=True)
    db.session.execute(hide.where(Complaint.id == data.complaints["A"].id))  # not committed
    during, heavy = heavy_statements(app, report)
    assert heavy
    assert during["totals"]["published"] == before["totals"]["published"] - 1
    db.session.rollback()
    # Another change is committed: the generation moves as far as the rolled-back
    # one had, and the figures must not be those read inside that transaction.
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE complaints SET reopened_count = 5 WHERE id = :id"),
            {"id": data.complaints["C"].id},
        )
    after = report()
    assert after["totals"]["published"] == before["totals"]["published"]
    assert after["totals"]["reopens"] == before["totals"]["reopens"] + 4
    assert after == fresh()


def update_from_another_connection_to(complaint_id: int) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE complaints SET hidden_from_public = :hidden WHERE id = :id"),
            {"hidden": True, "id": complaint_id},
        )


def test_a_first_event_for_a_complaint_without_history_is_seen(app: Flask, data: DataSet) -> None:
    g = data.complaints["G"]
    # A complaint imported without its history (as bulk imports once were).
    db.session.execute(delete(ComplaintEvent).where(ComplaintEvent.complaint_id == g.id))
    db.session.commit()
    assert report()["indicator_27"]["archived"]["without_events"] == 1
    # A note written straight into the log: the complaint row itself does not change.
    db.session.execute(
        sa.insert(ComplaintEvent).values(
            complaint_id=g.id,
            at=REPORT_NOW,
            kind="note",
            actor_label="system",
            public=False,
            note="Arsip dilengkapi.",
        )
    )
    db.session.commit()
    assert report()["indicator_27"]["archived"]["without_events"] == 0


def test_complaints_received_after_the_period_leave_it_stored(app: Flask, data: DataSet) -> None:
    report()
    db.session.rollback()
    receive("J", REPORT_NOW)
    workflow.reject_complaint(
        db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first(),
        STAFF,
        "Spam",
        now=REPORT_NOW,
    )
    workflow.commit()
    _second, heavy = heavy_statements(app, report)
    assert heavy == []


def test_the_weekly_volume_of_a_closed_period_is_stored_too(
    app: Flask, data: DataSet, set_now: Callable[[datetime], None]
) -> None:
    set_now(REPORT_NOW)

    def weeks() -> dict[str, int]:
        return {week["week"]: week["total"] for week in metrics.weekly_volume(START, END)}

    first = weeks()
    assert first["2026-12-14"] == 1  # G
    db.session.rollback()
    with counted(app) as statements:
        assert weeks() == first
    assert not [s for s in statements if "GROUP BY" in s]
    receive_late(data)  # received on Sunday 20 December
    assert weeks()["2026-12-14"] == 2


def test_what_the_sweep_writes_after_the_period_leaves_it_stored(app: Flask, data: DataSet) -> None:
    before = report()
    db.session.rollback()
    f = data.complaints["F"]
    # The sweep escalating F now: its bookkeeping columns and a step fired
    # after the period. (Its event is counted: see the migration.)
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(Complaint)
            .where(Complaint.id == f.id)
            .values(
                next_action_at=REPORT_NOW + timedelta(days=5),
                escalation_level=3,
                version=Complaint.version + 1,
                updated_at=REPORT_NOW,
            )
        )
        connection.execute(
            sa.insert(Escalation).values(
                complaint_id=f.id,
                deadline="resolve",
                level=3,
                due_at=REPORT_NOW,
                fired_at=REPORT_NOW,
            )
        )
    after, heavy = heavy_statements(app, report)
    assert heavy == []
    assert after == before == fresh()


def test_every_counted_complaint_column_is_in_the_sqlite_update_trigger(app_ctx: Flask) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL compares whole rows minus the bookkeeping columns")
    trigger = db.session.scalar(
        text("SELECT sql FROM sqlite_master WHERE name = 'aduan_complaints_updated'")
    )
    counted = trigger.split("UPDATE OF", 1)[1].split(" ON ", 1)[0]
    listed = {name.strip() for name in counted.split(",")}
    bookkeeping = {"version", "next_action_at", "escalation_level", "updated_at"}
    # A column added to complaints without recreating the trigger fails here.
    assert listed == {column.name for column in Complaint.__table__.columns} - bookkeeping


def test_the_scheduler_prepares_last_month_and_last_year(app: Flask, data: DataSet) -> None:
    from complaints.reports import PREPARE_JOB_ID
    from sla.scheduler import state_of

    assert PREPARE_JOB_ID in state_of(app).jobs
    december, year = (date(2026, 12, 1), date(2026, 12, 31)), (date(2026, 1, 1), date(2026, 12, 31))

    def served(period: tuple[date, date], unit_code: str | None = None) -> Any:
        figures, heavy = heavy_statements(
            app, lambda: metrics.report(*period, unit_code, now=REPORT_NOW)
        )
        assert heavy == [], (period, unit_code)
        return figures

    metrics.prepare_ended_periods(REPORT_NOW)  # 4 January 2027
    for period in (december, year):
        served(period)
        metrics.report(*period, "DLH", now=REPORT_NOW)  # a supervisor of DLH asks once
    change_through_the_workflow(data)  # G (DLH) rejected now: every part above is stale
    metrics.prepare_ended_periods(REPORT_NOW)
    for period in (december, year):
        served(period, "DLH")
    after = served(year)
    assert after["totals"]["rejected"] == 2
    assert after == fresh(year)
    # A unit nobody asked about is not read ahead (that would cost another regency's worth).
    _figures, heavy = heavy_statements(
        app, lambda: metrics.report(*year, "DISKOMINFO", now=REPORT_NOW)
    )
    assert heavy


def test_a_period_still_running_is_not_stored(app: Flask, data: DataSet) -> None:
    running = metrics.report(START, date(2027, 1, 31), now=REPORT_NOW)
    assert running["totals"]["received"] == 7
    assert stored_parts() == 0


def test_writers_of_the_same_month_do_not_wait_for_each_other(app: Flask, data: DataSet) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    a, c = data.complaints["A"].id, data.complaints["C"].id
    total = select(func.sum(ComplaintGeneration.generation))
    before = db.session.scalar(total)
    db.session.rollback()
    first = db.engine.connect()
    second = db.engine.connect()
    try:
        first.begin()
        first.execute(text("UPDATE complaints SET reopened_count = 3 WHERE id = :id"), {"id": a})
        second.begin()
        # Without SKIP LOCKED this would wait for the first transaction's counter row.
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        second.execute(text("UPDATE complaints SET reopened_count = 4 WHERE id = :id"), {"id": c})
        second.commit()
        first.commit()
    finally:
        first.close()
        second.close()
    assert db.session.scalar(total) == before + 2


def test_one_process_at_a_time_prepares_the_ended_periods(app_ctx: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite deployments run one scheduler")
    # The second is what another worker's scheduler sees meanwhile (another connection).
    with (
        report_cache.alone("prepare ended periods") as first,
        report_cache.alone("prepare ended periods") as second,
    ):
        assert (first, second) == (True, False)
    with report_cache.alone("prepare ended periods") as again:
        assert again
