"""The assessment figures on a small data set whose every answer is worked out by hand.

Office hours (Asia/Makassar, UTC+8): Monday–Thursday 08:00–16:00 (8 h),
Friday 08:00–16:30 (8.5 h). Thursday 3 December 2026 is a regional holiday
added by an admin; there is no national holiday before 24 December.

    A  web      waste  Mon 30 Nov 10:00 → verified Tue 1 Dec 10:00 → work Wed 2 Dec 10:00
                       → resolved Mon 7 Dec 12:00 → confirmed
    B  LAPOR!   public information (DISKOMINFO, 5-day resolution)  Fri 4 Dec 15:00
                       → verified Mon 7 Dec 09:00 → work Tue 8 Dec 09:00
                       → resolved Tue 15 Dec 10:00 (late: due Mon 14 Dec 09:00)
    C  web      waste  Tue 1 Dec 08:00 → verified 12:00 → work 14:00 → resolved Wed 2 Dec
                       08:00 → reopened Fri 4 Dec 10:00 → resolved Mon 7 Dec 16:00 → confirmed
    D  web      waste  Wed 2 Dec 09:00 → merged into A at 11:00
    E  counter  waste  Mon 7 Dec 08:00 → rejected Fri 11 Dec 08:00 (late: due Wed 9 Dec 16:00)
    F  web      waste  Tue 1 Dec 09:00 → verified 09:00 → work 10:00; still open, confidential
    G  telegram waste  Mon 14 Dec 10:00; never checked

The report is for 30 Nov – 31 Dec 2026, made on Mon 4 Jan 2027 10:00.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, text, update

from complaints import durations, metrics, workflow
from complaints.extensions import db
from complaints.intake import submit_complaint
from complaints.models import (
    AuditLog,
    Complaint,
    ComplaintEvent,
    Escalation,
    Holiday,
    ReportRun,
    Unit,
    User,
)
from complaints.workflow import Actor
from sla.policies import working_calendar
from tests.conftest import category, unit

WITA = timezone(timedelta(hours=8))
STAFF = Actor.system("test")
REPORT_NOW = datetime(2027, 1, 4, 10, 0, tzinfo=WITA)
START, END = date(2026, 11, 30), date(2026, 12, 31)
YEAR = timedelta(days=365)


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WITA)


def answers(*scores: int) -> dict[str, int]:
    from complaints.ikm import ELEMENT_NAMES

    return dict(zip(ELEMENT_NAMES, scores, strict=True))


@dataclass
class DataSet:
    complaints: dict[str, Complaint]


def receive(
    name: str, when: datetime, channel: str = "web", code: str = "waste", **options: Any
) -> Complaint:
    result = submit_complaint(
        channel=channel,
        category=category(code),
        description=f"Keluhan {name}: sampah menumpuk di pinggir jalan desa.",
        external_id=f"metrics-{name}",
        now=when,
        **options,
    )
    return result.complaint


@pytest.fixture
def data(app_ctx: Flask) -> DataSet:
    db.session.add(Holiday(day=date(2026, 12, 3), name="Hari jadi"))
    # Two viewers of the SLA board, without the cost of hashing real passwords.
    supervisor = User(email="s@example.id", role="supervisor", password_hash="-", unit=unit("DLH"))
    admin = User(email="a@example.id", role="admin", password_hash="-")
    db.session.add_all([supervisor, admin])
    db.session.commit()

    a = receive("A", at(30, 10, month=11))
    workflow.verify_complaint(a, STAFF, now=at(1, 10))
    workflow.start_work(a, STAFF, now=at(2, 10))
    workflow.resolve_complaint(a, STAFF, "Sudah diangkut.", now=at(7, 12))
    workflow.confirm_resolution(a, now=at(8, 9))

    b = receive("B", at(4, 15), channel="lapor", code="public-information", lapor_id="LPR-1")
    workflow.verify_complaint(b, STAFF, now=at(7, 9))
    workflow.start_work(b, STAFF, now=at(8, 9))
    workflow.resolve_complaint(b, STAFF, "Data sudah dikirim.", now=at(15, 10))

    c = receive("C", at(1, 8))
    workflow.verify_complaint(c, STAFF, now=at(1, 12))
    workflow.start_work(c, STAFF, now=at(1, 14))
    workflow.resolve_complaint(c, STAFF, "Sudah diangkut.", now=at(2, 8))
    workflow.reopen_complaint(c, "Masih ada sampah", now=at(4, 10))
    workflow.resolve_complaint(c, STAFF, "Sudah bersih.", now=at(7, 16))
    workflow.confirm_resolution(c, now=at(8, 10))

    d = receive("D", at(2, 9))
    workflow.merge_complaint(d, STAFF, a, now=at(2, 11))

    e = receive("E", at(7, 8), channel="counter")
    workflow.reject_complaint(e, STAFF, "Bukan wewenang", now=at(11, 8))

    f = receive("F", at(1, 9), confidential=True)
    workflow.verify_complaint(f, STAFF, now=at(1, 9))
    workflow.start_work(f, STAFF, now=at(1, 10))

    g = receive("G", at(14, 10), channel="telegram")
    workflow.commit()

    workflow.rate_complaint(a, answers(4, 4, 4, 4, 4, 4, 4, 4, 4), now=at(8, 9, 30))
    workflow.rate_complaint(b, answers(3, 3, 3, 3, 3, 3, 3, 3, 3), now=at(16, 9))
    workflow.rate_complaint(c, answers(4, 3, 4, 3, 4, 3, 4, 3, 4), now=at(8, 11))
    for complaint, deadline, level, fired in (
        (g, "verify", 0, at(16, 10)),
        (g, "verify", 1, at(17, 10)),
        (f, "resolve", 1, at(22, 9)),
        (f, "resolve", 2, at(28, 9)),
    ):
        db.session.add(
            Escalation(
                complaint_id=complaint.id,
                deadline=deadline,
                level=level,
                due_at=fired,
                fired_at=fired,
            )
        )
    db.session.add(
        ReportRun(
            generated_at=at(15, 12), period_from=START, period_to=at(14, 0).date(), format="csv"
        )
    )
    for user, day in ((supervisor, 10), (supervisor, 17), (admin, 18)):
        db.session.add(AuditLog(actor_user_id=user.id, action="sla_board_viewed", at=at(day, 9)))
    db.session.commit()
    return DataSet({"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "G": g})


def figures(unit_code: str | None = None) -> dict[str, Any]:
    return metrics.report(START, END, unit_code, now=REPORT_NOW)


def test_the_fixed_keys_of_design_md_are_there(data: DataSet) -> None:
    report = figures()
    assert {"from", "to", "totals", "by_channel", "by_unit", "indicator_28", "ikm"} <= set(report)
    assert {
        "received",
        "completed",
        "completion_rate",
        "completed_on_time",
        "overdue",
        "median_resolve_working_hours",
    } <= set(report["totals"])
    assert {"unit", "received", "completed"} <= set(report["by_unit"][0])
    assert set(report["indicator_28"]) >= {
        "received",
        "completed",
        "received_lapor",
        "completed_lapor",
        "score",
    }
    assert set(report["ikm"]) >= {"value", "grade", "respondents"}
    assert (report["from"], report["to"]) == ("2026-11-30", "2026-12-31")


def test_counts_and_rates(data: DataSet) -> None:
    totals = figures()["totals"]
    assert (totals["received"], totals["verified"], totals["rejected"], totals["merged"]) == (
        7,
        4,
        1,
        1,
    )
    # A, B, C, F, G are to be handled; A, B and C were completed, B late.
    assert (totals["actionable"], totals["completed"], totals["completion_rate"]) == (5, 3, 0.6)
    assert (totals["completed_on_time"], totals["on_time_rate"]) == (2, 0.6667)
    # Checked: A B C D E F; E was rejected two days late.
    assert (totals["checked"], totals["checked_on_time"], totals["check_on_time_rate"]) == (
        6,
        5,
        0.8333,
    )
    assert (totals["responded"], totals["responded_on_time"]) == (4, 4)
    # F (resolution due 22 Dec) and G (check due 17 Dec) are late on 4 Jan.
    assert totals["overdue"] == 2
    assert (totals["reopened"], totals["reopens"], totals["reopened_rate"]) == (1, 1, 0.3333)
    assert (totals["confirmed"], totals["disputed"], totals["auto_closed"]) == (2, 0, 0)
    # Public list: A, B, C (F is confidential, G unchecked, D merged, E rejected).
    assert totals["published"] == 3


def test_working_time_durations_across_the_weekend_and_the_holiday(data: DataSet) -> None:
    spent = figures()["totals"]["durations"]
    # To check: A 8 h (Mon 10–16, Tue 8–10), B 2.5 h (Fri 15–16:30, Mon 8–9), C 4, D 2,
    # E 32 (Mon–Thu full days), F 0. Sorted 0, 2, 2.5, 4, 8, 32.
    # Median: rank 2.5 → 2.5 + 0.5 × (4 − 2.5) = 3.25. P90: rank 4.5 → 8 + 0.5 × 24 = 20.
    assert spent["check"] == {
        "count": 6,
        "mean_working_hours": 8.08,  # 48.5 / 6
        "median_working_hours": 3.25,
        "p90_working_hours": 20.0,
    }
    # First response after verification: A 8, B 8 (Mon 9–16, Tue 8–9), C 2, F 1.
    assert spent["response"] == {
        "count": 4,
        "mean_working_hours": 4.75,
        "median_working_hours": 5.0,
        "p90_working_hours": 8.0,
    }
    # To resolve, from receipt to the latest resolution:
    # A Mon 30 Nov 10:00 → Mon 7 Dec 12:00 = 6 + 8 + 8 + 0 (holiday) + 8.5 + 4 = 34.5
    # B Fri 4 Dec 15:00 → Tue 15 Dec 10:00 = 1.5 + 8×4 + 8.5 + 8 + 2 = 52
    # C Tue 1 Dec 08:00 → Mon 7 Dec 16:00 (after the reopening) = 8 + 8 + 0 + 8.5 + 8 = 32.5
    # P90: rank 1.8 → 34.5 + 0.8 × 17.5 = 48.5.
    assert spent["resolve"] == {
        "count": 3,
        "mean_working_hours": 39.67,
        "median_working_hours": 34.5,
        "p90_working_hours": 48.5,
    }
    assert figures()["totals"]["median_resolve_working_hours"] == 34.5


def test_the_workflow_stores_each_duration_in_working_seconds(data: DataSet) -> None:
    hours = 3600
    stored = {
        name: (
            complaint.check_working_seconds,
            complaint.response_working_seconds,
            complaint.resolve_working_seconds,
        )
        for name, complaint in data.complaints.items()
    }
    # The same hand-worked hours as the test above; C's time to resolve is the one
    # measured at its second resolution, D and E stop at their merge and rejection.
    assert stored == {
        "A": (8 * hours, 8 * hours, int(34.5 * hours)),
        "B": (int(2.5 * hours), 8 * hours, 52 * hours),
        "C": (4 * hours, 2 * hours, int(32.5 * hours)),
        "D": (2 * hours, None, None),
        "E": (32 * hours, None, None),
        "F": (0, 1 * hours, None),
        "G": (None, None, None),
    }


def test_rows_without_stored_durations_wait_for_the_backfill(app_ctx: Flask, data: DataSet) -> None:
    """Complaints recorded before migration 0004 (or in bulk) are measured by the backfill."""
    stored = figures()
    db.session.execute(
        update(Complaint).values(
            check_working_seconds=None,
            response_working_seconds=None,
            resolve_working_seconds=None,
        )
    )
    db.session.commit()
    waiting = figures()["totals"]
    assert waiting["durations"]["resolve"]["count"] == 0
    assert waiting["durations_not_stored"] == 6  # every complaint but G reached a moment

    result = app_ctx.test_cli_runner().invoke(args=["report", "backfill-durations", "--batch", "4"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert (summary["complaints"], summary["batches"], summary["unmeasurable"]) == (6, 2, 0)
    assert (summary["check"], summary["response"], summary["resolve"]) == (6, 4, 3)
    # It stores what the workflow would have stored.
    db.session.expire_all()
    assert data.complaints["C"].resolve_working_seconds == int(32.5 * 3600)
    assert data.complaints["F"].response_working_seconds == 3600
    backfilled = figures()
    assert backfilled["totals"]["durations"] == stored["totals"]["durations"]
    assert [row["durations"] for row in backfilled["by_category"]] == [
        row["durations"] for row in stored["by_category"]
    ]
    assert backfilled["totals"]["durations_not_stored"] == 0
    assert durations.backfill().complaints == 0  # nothing left to do


def test_a_missing_duration_is_found_through_the_partial_index(app_ctx: Flask) -> None:
    query = select(Complaint.id).where(durations.missing()).limit(1)
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    plan = " ".join(str(row) for row in db.session.execute(text(explain + sql)))
    # Never a scan of every complaint at start-up: the index holds only the missing ones.
    assert "ix_complaints_durations_missing" in plan


def test_start_up_warns_while_some_durations_are_missing(
    app: Flask, data: DataSet, caplog: pytest.LogCaptureFixture
) -> None:
    durations.warn_if_missing(app)
    assert "backfill-durations" not in caplog.text
    db.session.execute(
        update(Complaint)
        .where(Complaint.id == data.complaints["A"].id)
        .values(check_working_seconds=None)
    )
    db.session.commit()
    durations.warn_if_missing(app)
    assert "flask --app wsgi report backfill-durations" in caplog.text


def test_a_holiday_added_later_does_not_rewrite_stored_durations(data: DataSet) -> None:
    # Monday 7 December becomes a holiday after A, B, C and E were handled.
    db.session.add(Holiday(day=date(2026, 12, 7), name="Cuti bersama"))
    db.session.commit()
    assert figures()["totals"]["durations"]["resolve"]["median_working_hours"] == 34.5
    # A complaint received now on that day is measured with the new calendar: received
    # Fri 4 Dec 16:00, verified Tue 8 Dec 09:00 = 0.5 (Fri) + 0 (Mon) + 1 h.
    late = receive("H", at(4, 16))
    workflow.verify_complaint(late, STAFF, now=at(8, 9))
    workflow.commit()
    assert late.check_working_seconds == int(1.5 * 3600)


def test_breakdowns_by_channel_unit_category_and_kind(data: DataSet) -> None:
    report = figures()
    assert report["by_channel"] == {
        "web": 4,
        "telegram": 1,
        "sms": 0,
        "whatsapp": 0,
        "api": 0,
        "open311": 0,
        "counter": 1,
        "lapor": 1,
        "email": 0,
    }
    units = {row["unit"]: row for row in report["by_unit"]}
    assert set(units) == {"DLH", "DISKOMINFO"}
    dlh, info = units["DLH"], units["DISKOMINFO"]
    assert (dlh["received"], dlh["actionable"], dlh["completed"], dlh["completion_rate"]) == (
        6,
        4,
        2,
        0.5,
    )
    assert (dlh["low_count"], info["low_count"]) == (False, True)
    assert dlh["median_resolve_working_hours"] == 33.5  # A 34.5 and C 32.5
    assert (info["received"], info["completed"], info["completed_on_time"]) == (1, 1, 0)
    kinds = {row["kind"]: row["received"] for row in report["by_kind"]}
    assert kinds == {"complaint": 6, "aspiration": 0, "information_request": 1}
    categories = {row["category"]: row["received"] for row in report["by_category"]}
    assert categories == {"waste": 6, "public-information": 1}
    assert report["rejected_by_reason"] == [{"reason": "Bukan wewenang", "count": 1}]


def test_a_unit_report_covers_that_unit_only(data: DataSet) -> None:
    report = figures("DISKOMINFO")
    assert report["unit"] == "DISKOMINFO"
    assert report["totals"]["received"] == 1
    assert [row["unit"] for row in report["by_unit"]] == ["DISKOMINFO"]
    assert report["indicator_28"]["received_lapor"] == 1
    assert report["ikm"]["respondents"] == 1
    # Every escalation of the data set fired on DLH's complaints (F and G).
    assert report["escalations"]["total"] == 0
    assert figures("DLH")["escalations"]["total"] == 4


def test_backlog_at_the_end_of_the_period_and_escalations(data: DataSet) -> None:
    report = figures()
    # Open on 1 Jan 00:00: F (received 1 Dec: 14 or more working days old) and
    # G (received Mon 14 Dec 10:00: 0.75 + 8 to 9 working days by 31 Dec).
    assert report["backlog"]["by_age_working_days"] == {
        "under_3": 0,
        "3_to_5": 0,
        "5_to_14": 1,
        "14_to_60": 1,
        "60_plus": 0,
    }
    assert report["backlog"]["total"] == 2
    assert report["escalations"] == {
        "total": 4,
        "by_level": {"0": 1, "1": 2, "2": 1},
        "by_deadline": {"resolve": 2, "verify": 2},
    }


def test_a_backlog_age_boundary_is_the_instant_n_working_days_before(app_ctx: Flask) -> None:
    calendar = working_calendar()
    # Three working days before Wednesday 9 Dec 12:00 (no regional holiday here):
    # Wed 8–12 (0.5), Tue, Mon (2), Fri 12:00–16:30 (0.5 of 8.5 h is 4.25 h → 12:15).
    boundary = metrics.aged_boundary(calendar, at(9, 12), 3)
    assert abs(boundary - at(4, 12, 15)) < timedelta(milliseconds=1)


def test_indicator_28_counts_lapor_apart(data: DataSet) -> None:
    assert figures()["indicator_28"] == {
        "received": 4,
        "completed": 2,
        "received_lapor": 1,
        "completed_lapor": 1,
        "rate": 0.5,
        "rate_lapor": 1.0,
        "rate_all": 0.6,
        "band": "at_least_50",
        "band_lapor": "at_least_90",
        "score": "at_least_50",
    }


@pytest.mark.parametrize(
    ("completed", "actionable", "expected"),
    [
        (499, 1000, "below_50"),
        (500, 1000, "at_least_50"),
        (899, 1000, "at_least_50"),
        (900, 1000, "at_least_90"),
        (1, 1, "at_least_90"),
        (0, 3, "below_50"),
        (0, 0, None),
    ],
)
def test_indicator_28_band_edges(completed: int, actionable: int, expected: str | None) -> None:
    assert metrics.band(completed, actionable) == expected


def test_indicator_27_evidence(data: DataSet) -> None:
    evidence = figures()["indicator_27"]
    assert evidence["archived"] == {"done": True, "complaints": 7, "without_events": 0}
    assert evidence["reported"] == {"done": True, "runs_in_period": 1, "runs_covering_period": 1}
    assert evidence["monitored"] == {"done": True, "sla_board_views": 3, "viewers": 2}
    assert evidence["followed_up"]["responded"] == 4 and evidence["followed_up"]["done"]
    assert evidence["published"]["complaints_listed"] == 3


def test_a_complaint_without_its_event_log_breaks_the_archive_evidence(data: DataSet) -> None:
    db.session.execute(
        delete(ComplaintEvent).where(ComplaintEvent.complaint_id == data.complaints["G"].id)
    )
    db.session.commit()
    archived = figures()["indicator_27"]["archived"]
    assert archived == {"done": False, "complaints": 7, "without_events": 1}


def test_ikm_over_the_period_and_per_unit(data: DataSet) -> None:
    report = figures()
    # Element sums over A, B, C: 11, 10, 11, 10, 11, 10, 11, 10, 11 = 95.
    # IKM = 25 × 95 / (9 × 3) = 87.96 → B (76.61–88.30).
    assert report["ikm"]["value"] == 87.96
    assert (report["ikm"]["grade"], report["ikm"]["grade_name"]) == ("B", "Baik")
    assert report["ikm"]["respondents"] == 3
    units = {row["unit"]: row["ikm"] for row in report["by_unit"]}
    # DLH: A and C, 68 points → 25 × 68 / 18 = 94.44 (A); DISKOMINFO: all 3 → 75.00 (C).
    assert (units["DLH"]["value"], units["DLH"]["grade"]) == (94.44, "A")
    assert (units["DISKOMINFO"]["value"], units["DISKOMINFO"]["grade"]) == (75.0, "C")


def test_an_empty_period_has_no_rates(app_ctx: Flask) -> None:
    report = metrics.report(date(2020, 1, 1), date(2020, 12, 31), now=REPORT_NOW)
    totals = report["totals"]
    assert (
        totals["received"],
        totals["completion_rate"],
        totals["median_resolve_working_hours"],
    ) == (
        0,
        None,
        None,
    )
    assert report["by_unit"] == [] and report["indicator_28"]["score"] is None
    assert report["ikm"] == {
        "value": None,
        "grade": None,
        "grade_name": None,
        "respondents": 0,
        "elements": {},
        "answers": {},
        "unanswered": [],
        "reason": "no_respondents",
    }


def test_bad_periods_and_units_are_refused(app_ctx: Flask) -> None:
    from complaints.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        metrics.report(date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(ValidationFailed):
        metrics.report(date(2026, 1, 1), date(2026, 2, 1), "NOPE")


def test_the_count_columns_match_their_names(app_ctx: Flask) -> None:
    # "overdue" depends on the moment, so it has its own query (never stored).
    names = [*metrics._count_columns(metrics.Period.of(START, END)), "overdue"]
    assert sorted(names) == sorted(metrics._COUNT_NAMES)


def test_the_complaint_list_streams_the_cohort(data: DataSet) -> None:
    rows = list(metrics.cohort_rows(START, END))
    assert len(rows) == 7
    columns = metrics.COMPLAINT_COLUMNS
    by_code = {row[0]: dict(zip(columns, row, strict=True)) for row in rows}
    b = by_code[data.complaints["B"].code]
    assert (b["channel"], b["lapor_id"], b["unit"], b["completed"], b["completed_on_time"]) == (
        "lapor",
        "LPR-1",
        "DISKOMINFO",
        True,
        False,
    )
    assert db.session.scalar(select(Unit.code).where(Unit.id == data.complaints["C"].unit_id)) == (
        "DLH"
    )
    assert by_code[data.complaints["C"].code]["reopened_count"] == 1
    # Each complaint's own working hours, as stored by the workflow.
    hours = ("check_working_hours", "response_working_hours", "resolve_working_hours")
    assert tuple(b[name] for name in hours) == (2.5, 8.0, 52.0)
    e = by_code[data.complaints["E"].code]
    assert tuple(e[name] for name in hours) == (32.0, None, None)


def summary(count: int, mean: float | None, median: float | None, p90: float | None) -> dict:
    return {
        "count": count,
        "mean_working_hours": mean,
        "median_working_hours": median,
        "p90_working_hours": p90,
    }


def test_durations_by_channel_kind_category_and_unit(data: DataSet) -> None:
    report = figures()
    channels = {row["channel"]: row for row in report["by_channel_detail"]}
    web = channels["web"]["durations"]
    # Web: A, C, D, F. To check 8, 4, 2, 0 → sorted 0, 2, 4, 8: median rank 1.5 = 3,
    # P90 rank 2.7 = 4 + 0.7 × 4 = 6.8, mean 14 / 4.
    assert web["check"] == summary(4, 3.5, 3.0, 6.8)
    # First response A 8, C 2, F 1 → median 2, P90 rank 1.8 = 2 + 0.8 × 6 = 6.8, mean 11 / 3.
    assert web["response"] == summary(3, 3.67, 2.0, 6.8)
    # Resolved A 34.5 (over the weekend and the holiday) and C 32.5: P90 32.5 + 0.9 × 2.
    assert web["resolve"] == summary(2, 33.5, 33.5, 34.3)
    assert channels["web"]["median_resolve_working_hours"] == 33.5
    # The counter: E, rejected after 32 working hours, never answered or resolved.
    counter = channels["counter"]["durations"]
    assert counter["check"] == summary(1, 32.0, 32.0, 32.0)
    assert counter["response"] == counter["resolve"] == summary(0, None, None, None)
    assert channels["lapor"]["durations"]["resolve"] == summary(1, 52.0, 52.0, 52.0)
    assert channels["sms"]["durations"]["check"] == summary(0, None, None, None)

    kinds = {row["kind"]: row["durations"] for row in report["by_kind"]}
    # Complaints (all but B): to check 8, 4, 2, 32, 0 → 0, 2, 4, 8, 32: median 4,
    # P90 rank 3.6 = 8 + 0.6 × 24 = 22.4, mean 46 / 5.
    assert kinds["complaint"]["check"] == summary(5, 9.2, 4.0, 22.4)
    assert kinds["information_request"]["response"] == summary(1, 8.0, 8.0, 8.0)

    categories = {row["category"]: row for row in report["by_category"]}
    assert categories["waste"]["durations"]["check"] == kinds["complaint"]["check"]
    assert categories["public-information"]["durations"]["resolve"] == summary(1, 52.0, 52.0, 52.0)
    assert categories["public-information"]["median_resolve_working_hours"] == 52.0

    units = {row["unit"]: row["durations"] for row in report["by_unit"]}
    assert units["DLH"]["resolve"] == summary(2, 33.5, 33.5, 34.3)
    assert units["DISKOMINFO"]["check"] == summary(1, 2.5, 2.5, 2.5)


def test_a_public_reply_stores_the_time_to_first_response(data: DataSet) -> None:
    complaint = receive("H", at(14, 9), channel="api")
    workflow.verify_complaint(complaint, STAFF, now=at(14, 10))
    assert complaint.response_working_seconds is None
    workflow.reply_to_citizen(complaint, STAFF, "Kami sedang memeriksa lokasi.", now=at(15, 9))
    workflow.commit()
    # Mon 14 Dec 10:00–16:00 and Tue 15 Dec 08:00–09:00.
    assert complaint.response_working_seconds == 7 * 3600
    assert complaint.check_working_seconds == 3600
