"""The SLA sweep with an explicit, moving ``now``: each ladder step at its instant, once.

The reference complaint is a road-damage report received on Wednesday
25 November 2026 at 10:00 WITA (the suite's default clock). Its verification
deadline is 3 working days later, Monday 30 November 10:00; the reminder is
due at 75 % of the 24.5 working hours in between, Friday 27 November
12:22:30; level 2 is 3 working days after the deadline, Thursday 3 December
10:00.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import func, select

from complaints import workflow
from complaints.auth import create_user
from complaints.extensions import db
from complaints.models import (
    Complaint,
    ComplaintEvent,
    Escalation,
    Notification,
    OutboundMessage,
    SlaPolicy,
    User,
)
from complaints.workflow import Actor
from sla.sweep import RETRY_DELAY, SweepSummary, sweep
from tests.conftest import (
    DEFAULT_NOW,
    STAFF_PASSWORD,
    Cast,
    MakeComplaint,
    category,
    run_at_once,
    unit,
)

WITA = ZoneInfo("Asia/Makassar")
SECOND = timedelta(seconds=1)


def wita(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WITA)  # type: ignore[misc]


RECEIVED = DEFAULT_NOW
VERIFY_REMINDER = wita(2026, 11, 27, 12, 22, 30)
VERIFY_DUE = wita(2026, 11, 30, 10, 0)
VERIFY_LEVEL2 = wita(2026, 12, 3, 10, 0)


def fired(complaint: Complaint) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(Escalation.deadline, Escalation.level)
        .where(Escalation.complaint_id == complaint.id)
        .order_by(Escalation.id)
    )
    return [(deadline, level) for deadline, level in rows]


def notified(kind: str) -> list[tuple[int, int | None]]:
    rows = db.session.execute(
        select(Notification.user_id, Notification.complaint_id)
        .where(Notification.kind == kind)
        .order_by(Notification.id)
    )
    return [(user_id, complaint_id) for user_id, complaint_id in rows]


def counts(summary: SweepSummary) -> dict[str, Any]:
    data = summary.as_json()
    return {key: data[key] for key in ("due", "reminded", "escalated", "closed", "errors")}


def quiet(summary: SweepSummary) -> bool:
    return counts(summary) == {"due": 0, "reminded": 0, "escalated": 0, "closed": 0, "errors": 0}


@pytest.fixture
def regency_supervisor(cast: Cast) -> User:
    """A supervisor at Bagian Organisasi, the regency level, reachable by SMS."""
    person = create_user(
        "rahmat@bonebolangokab.go.id", "supervisor", STAFF_PASSWORD, unit_code="BAG-ORG"
    )
    person.phone = "+6281355550002"
    db.session.commit()
    return person


def test_the_reminder_fires_at_75_percent_of_the_span_and_only_once(
    cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    assert complaint.next_action_at == VERIFY_REMINDER

    assert quiet(sweep(VERIFY_REMINDER - SECOND))
    assert fired(complaint) == []

    first = sweep(VERIFY_REMINDER)
    assert counts(first) == {"due": 1, "reminded": 1, "escalated": 0, "closed": 0, "errors": 0}
    assert fired(complaint) == [("verify", 0)]
    assert complaint.next_action_at == VERIFY_DUE
    assert complaint.escalation_level == 0

    for later in (VERIFY_REMINDER, VERIFY_REMINDER + timedelta(hours=1), VERIFY_DUE - SECOND):
        assert quiet(sweep(later))
    assert fired(complaint) == [("verify", 0)]
    events = [event for event in complaint.events if event.kind == "reminder"]
    assert len(events) == 1
    assert (events[0].actor_label, events[0].public) == ("sla", False)
    assert events[0].data is not None and events[0].data["deadline"] == "verify"


def test_the_unit_supervisor_is_told_at_the_deadline_and_the_regency_level_later(
    cast: Cast, regency_supervisor: User, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    sweep(VERIFY_REMINDER)

    at_deadline = sweep(VERIFY_DUE)
    assert counts(at_deadline)["escalated"] == 1
    assert at_deadline.as_json()["escalated_by_level"] == {"1": 1, "2": 0}
    assert complaint.escalation_level == 1
    assert notified("escalation") == [(cast.supervisor.id, complaint.id)]
    assert complaint.next_action_at == VERIFY_LEVEL2

    assert quiet(sweep(VERIFY_DUE))
    assert quiet(sweep(VERIFY_LEVEL2 - SECOND))

    regency = sweep(VERIFY_LEVEL2)
    assert regency.as_json()["escalated_by_level"] == {"1": 0, "2": 1}
    assert complaint.escalation_level == 2
    assert notified("escalation") == [
        (cast.supervisor.id, complaint.id),
        (regency_supervisor.id, complaint.id),
    ]
    level2 = db.session.scalar(select(Escalation).where(Escalation.level == 2))
    assert level2 is not None and level2.target_unit_id == unit("BAG-ORG").id
    assert level2.due_at == VERIFY_DUE and level2.fired_at == VERIFY_LEVEL2
    # The ladder is done: nothing is left for the sweep until the status changes.
    assert complaint.next_action_at is None
    assert quiet(sweep(VERIFY_LEVEL2 + timedelta(days=60)))
    assert fired(complaint) == [("verify", 0), ("verify", 1), ("verify", 2)]


def test_a_sweep_long_after_the_deadline_fires_every_missed_step_once(
    cast: Cast, regency_supervisor: User, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint()
    late = sweep(VERIFY_LEVEL2 + timedelta(days=1))
    assert counts(late) == {"due": 1, "reminded": 1, "escalated": 2, "closed": 0, "errors": 0}
    assert fired(complaint) == [("verify", 0), ("verify", 1), ("verify", 2)]
    assert quiet(sweep(VERIFY_LEVEL2 + timedelta(days=1)))


def test_verifying_ends_the_verification_ladder_and_starts_the_response_one(
    cast: Cast, make_complaint: MakeComplaint, set_now: Callable[[datetime], None]
) -> None:
    complaint = make_complaint()
    sweep(VERIFY_DUE)  # reminder and level 1 of the verification deadline
    set_now(wita(2026, 11, 30, 11, 0))
    workflow.verify_complaint(complaint, Actor.staff(cast.officer_a))
    workflow.commit()
    # First response is due 5 working days later (Monday 7 December 11:00), the
    # reminder at 75 % of those 40.5 working hours.
    assert complaint.response_due_at == wita(2026, 12, 7, 11, 0)
    assert complaint.next_action_at == wita(2026, 12, 4, 9, 22, 30)
    assert quiet(sweep(VERIFY_LEVEL2))  # the verify ladder stopped with its status
    sweep(wita(2026, 12, 4, 9, 22, 30))
    assert fired(complaint) == [("verify", 0), ("verify", 1), ("response", 0)]


def test_the_reminder_goes_to_the_unit_officers_or_else_to_the_assignee(
    cast: Cast, make_complaint: MakeComplaint
) -> None:
    second_officer = create_user(
        "dewi@bonebolangokab.go.id", "officer", STAFF_PASSWORD, unit_code="PUPR"
    )
    second_officer.telegram_chat_id = "7001"
    db.session.commit()
    unassigned = make_complaint()
    assigned = make_complaint()
    workflow.assign_complaint(assigned, Actor.staff(cast.supervisor), cast.officer_a)
    workflow.commit()

    sweep(VERIFY_REMINDER)

    assert sorted(notified("reminder")) == sorted(
        [
            (cast.officer_a.id, unassigned.id),
            (second_officer.id, unassigned.id),
            (cast.officer_a.id, assigned.id),
        ]
    )
    # Only the officer who linked Telegram gets a copy outside the app.
    outbox = db.session.scalars(select(OutboundMessage).where(OutboundMessage.user_id.is_not(None)))
    assert [(m.channel, m.address, m.user_id, m.complaint_id) for m in outbox] == [
        ("telegram", "7001", second_officer.id, unassigned.id)
    ]


def test_an_escalation_reaches_a_supervisor_with_a_phone_in_app_and_by_sms(
    cast: Cast, make_complaint: MakeComplaint
) -> None:
    cast.supervisor.phone = "+6281355550001"
    cast.supervisor.locale = "en"
    db.session.commit()
    complaint = make_complaint()

    sweep(VERIFY_DUE)

    notice = db.session.scalar(select(Notification).where(Notification.kind == "escalation"))
    assert notice is not None and notice.user_id == cast.supervisor.id
    assert complaint.code in notice.body and notice.read_at is None
    message = db.session.scalar(
        select(OutboundMessage).where(OutboundMessage.user_id == cast.supervisor.id)
    )
    assert message is not None
    assert (message.channel, message.address) == ("sms", "+6281355550001")
    assert message.key == f"sla-{complaint.id}-verify-1-user-{cast.supervisor.id}"
    assert message.body == notice.body
    assert "verification deadline" in message.body  # in the supervisor's own language
    # The bulk-written instants are stored as the ORM stores them, so SQL compares them right.
    assert _count(ComplaintEvent, ComplaintEvent.at == VERIFY_DUE) == 2  # reminder, level 1
    assert _count(Notification, Notification.created_at == VERIFY_DUE) == _count(Notification)
    assert _count(Escalation, Escalation.fired_at == VERIFY_DUE) == 2
    assert _count(OutboundMessage, OutboundMessage.next_attempt_at == message.next_attempt_at) == 1


def _count(model: Any, *conditions: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def test_a_resolved_complaint_closes_itself_when_the_confirmation_window_ends(
    cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="resolved", phone="0812-3456-7890")
    confirm_due = complaint.confirm_due_at
    assert confirm_due == wita(2026, 12, 9, 10, 0)
    assert complaint.next_action_at == confirm_due

    assert quiet(sweep(confirm_due - SECOND))
    summary = sweep(confirm_due)

    assert counts(summary) == {"due": 1, "reminded": 0, "escalated": 0, "closed": 1, "errors": 0}
    assert complaint.status == "closed" and complaint.closed_at == confirm_due
    assert complaint.next_action_at is None
    closing = complaint.events[-1]
    assert (closing.from_status, closing.to_status, closing.actor_label) == (
        "resolved",
        "closed",
        "sla",
    )
    citizen_message = db.session.scalar(
        select(OutboundMessage).where(OutboundMessage.key == f"event-{closing.id}")
    )
    assert citizen_message is not None and citizen_message.address == "+6281234567890"
    assert complaint.code in citizen_message.body
    assert quiet(sweep(confirm_due + timedelta(days=30)))


def test_a_complaint_resolved_before_its_deadline_never_escalates(
    cast: Cast, make_complaint: MakeComplaint, set_now: Callable[[datetime], None]
) -> None:
    complaint = make_complaint(status="verified")
    response_reminder = complaint.next_action_at
    assert response_reminder is not None
    sweep(response_reminder)
    assert fired(complaint) == [("response", 0)]

    set_now(wita(2026, 12, 1, 9, 0))  # before the first-response deadline of 2 December
    workflow.start_work(complaint, Actor.staff(cast.officer_a))
    workflow.resolve_complaint(complaint, Actor.staff(cast.officer_a), "Lubang sudah ditambal.")
    workflow.commit()

    for moment in (wita(2026, 12, 2, 10, 0), wita(2026, 12, 8, 10, 0), wita(2027, 3, 1, 10, 0)):
        summary = sweep(moment)
        assert summary.reminded == summary.escalated == 0
    assert fired(complaint) == [("response", 0)]
    assert complaint.escalation_level == 0
    assert complaint.status == "closed"  # by the confirmation window, not by escalation


def test_a_reopened_complaint_climbs_the_ladder_again_in_its_fresh_resolution_period(
    cast: Cast, make_complaint: MakeComplaint, set_now: Callable[[datetime], None]
) -> None:
    complaint = make_complaint(status="in_progress", category_code="waste")
    first_period_over = wita(2027, 2, 1, 10, 0)
    sweep(first_period_over)
    assert fired(complaint) == [("resolve", 0), ("resolve", 1), ("resolve", 2)]

    set_now(wita(2027, 2, 2, 10, 0))
    workflow.resolve_complaint(complaint, Actor.staff(cast.officer_a), "Sampah sudah diangkut.")
    workflow.commit()
    set_now(wita(2027, 2, 3, 10, 0))
    workflow.reopen_complaint(complaint, "Sampah menumpuk lagi.")
    workflow.commit()
    assert complaint.resolve_due_at is not None
    assert complaint.next_action_at is not None
    assert wita(2027, 2, 3, 10, 0) < complaint.next_action_at < complaint.resolve_due_at

    sweep(complaint.resolve_due_at)
    assert fired(complaint)[3:] == [("resolve#1", 0), ("resolve#1", 1)]
    assert quiet(sweep(complaint.resolve_due_at))


def test_a_failing_complaint_is_pushed_forward_and_does_not_stop_the_others(
    cast: Cast, make_complaint: MakeComplaint, caplog: pytest.LogCaptureFixture
) -> None:
    healthy = make_complaint(category_code="waste")  # standard policy
    broken = make_complaint(category_code="road-damage")  # field-check policy
    # An admin form stored an impossible reminder share after the complaint came in.
    policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.code == "field-check"))
    assert policy is not None
    policy.reminder_percent = 0
    db.session.commit()

    with caplog.at_level(logging.ERROR, logger="sla.sweep"):
        summary = sweep(VERIFY_REMINDER)

    assert counts(summary) == {"due": 2, "reminded": 1, "escalated": 0, "closed": 0, "errors": 1}
    assert fired(healthy) == [("verify", 0)]
    assert fired(broken) == []
    assert broken.next_action_at == VERIFY_REMINDER + RETRY_DELAY
    assert broken.code in caplog.text and "reminder_percent" in caplog.text
    # It does not spin: the same minute finds nothing; the retry comes when pushed.
    assert quiet(sweep(VERIFY_REMINDER + SECOND))
    retry = sweep(VERIFY_REMINDER + RETRY_DELAY)
    assert (retry.due, retry.errors) == (1, 1)
    assert broken.next_action_at == VERIFY_REMINDER + 2 * RETRY_DELAY


@contextmanager
def notifications_refused_for(complaint: Complaint) -> Iterator[None]:
    """A database trigger that rejects notifications about one complaint, as a constraint would."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE FUNCTION refuse_notification() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.complaint_id = {complaint.id} THEN RAISE EXCEPTION 'refused by test'; "
            "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse_notification BEFORE INSERT ON notifications "
            "FOR EACH ROW EXECUTE FUNCTION refuse_notification()"
        )
        drop = [
            "DROP TRIGGER refuse_notification ON notifications",
            "DROP FUNCTION refuse_notification()",
        ]
    else:
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse_notification BEFORE INSERT ON notifications "
            f"WHEN NEW.complaint_id = {complaint.id} "
            "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
        )
        drop = ["DROP TRIGGER refuse_notification"]
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        for statement in drop:
            db.session.connection().exec_driver_sql(statement)
        db.session.commit()


def test_a_complaint_the_database_refuses_is_retried_alone_and_pushed_forward(
    cast: Cast, make_complaint: MakeComplaint, caplog: pytest.LogCaptureFixture
) -> None:
    first, refused, last = make_complaint(), make_complaint(), make_complaint()

    with notifications_refused_for(refused), caplog.at_level(logging.WARNING, "sla.sweep"):
        summary = sweep(VERIFY_REMINDER)

    assert counts(summary) == {"due": 3, "reminded": 2, "escalated": 0, "closed": 0, "errors": 1}
    assert fired(first) == fired(last) == [("verify", 0)]
    assert fired(refused) == []
    assert refused.next_action_at == VERIFY_REMINDER + RETRY_DELAY
    assert "retrying singly" in caplog.text and "refused by test" in caplog.text
    # Once the database accepts it again, the retry fires the step.
    retry = sweep(VERIFY_REMINDER + RETRY_DELAY)
    assert (retry.reminded, retry.errors) == (1, 0)
    assert fired(refused) == [("verify", 0)]


def test_a_dry_run_counts_what_would_happen_and_writes_nothing(
    cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaints = [make_complaint(), make_complaint(status="resolved")]
    before = [(c.version, c.next_action_at, c.escalation_level) for c in complaints]
    rows_before = _row_counts()

    dry = sweep(wita(2026, 12, 9, 10, 0), dry_run=True)

    assert counts(dry) == {"due": 2, "reminded": 1, "escalated": 2, "closed": 1, "errors": 0}
    assert dry.as_json()["dry_run"] is True
    assert _row_counts() == rows_before
    assert [(c.version, c.next_action_at, c.escalation_level) for c in complaints] == before
    real = sweep(wita(2026, 12, 9, 10, 0))
    assert counts(real) == counts(dry)


def _row_counts() -> dict[str, int]:
    tables = (Escalation, ComplaintEvent, Notification, OutboundMessage)
    return {
        table.__tablename__: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in tables
    }


@contextmanager
def statements_run() -> Iterator[list[tuple[str, Any]]]:
    """Collect the SQL statements (and their parameters) run while the block runs."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_a_sweep_reads_only_due_rows_and_leaves_the_others_untouched(
    cast: Cast, make_complaint: MakeComplaint
) -> None:
    waiting = [make_complaint() for _ in range(3)] + [make_complaint(status="in_progress")]
    versions = {c.id: c.version for c in waiting}

    with statements_run() as nothing_due:
        assert quiet(sweep(VERIFY_REMINDER - SECOND))
    # One indexed query answers "nothing due", however many complaints are open.
    assert len(nothing_due) == 1 and nothing_due[0][0].lstrip().upper().startswith("SELECT")

    due = make_complaint(status="resolved")
    assert due.confirm_due_at is not None
    db.session.execute(
        sa.update(Complaint)
        .where(Complaint.id == due.id)
        .values(confirm_due_at=RECEIVED, next_action_at=RECEIVED)
    )
    db.session.commit()
    summary = sweep(VERIFY_REMINDER - SECOND)
    assert (summary.due, summary.closed) == (1, 1)
    db.session.expire_all()
    assert {c.id: c.version for c in waiting} == versions


def test_the_due_query_is_answered_by_an_index_on_next_action_at(
    app_ctx: Flask, make_complaint: MakeComplaint
) -> None:
    """The partial index on open statuses, or the staff queue's (next_action_at, id) one.

    Either reads only the due rows: closed complaints have no next action. On
    a near-empty table the planner's choice between them is a coin toss.
    """
    make_complaint()
    with statements_run() as seen:
        sweep(VERIFY_REMINDER - SECOND)
    statement, parameters = seen[0]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # On a near-empty table the planner would rightly scan; forbid that to see
        # whether an index (the partial one's predicate included) fits the query.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
    else:
        plan = [
            row[-1]
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        ]
    db.session.rollback()
    indexes = ("ix_complaints_next_action_open", "ix_complaints_next_action_id")
    assert any(index in line for line in plan for index in indexes), plan


def test_two_sweeps_racing_on_postgresql_fire_each_step_exactly_once(
    app: Flask, cast: Cast
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers, so sweeps cannot race there; PostgreSQL only")
    total = 2000
    _insert_due_complaints(total)
    summaries: list[SweepSummary] = []
    failures = run_at_once(app, lambda: summaries.append(sweep(VERIFY_DUE, batch_size=200)))

    assert not failures and len(summaries) == 2
    # No sweep hit the unique key: the claims alone kept the steps apart.
    assert sum(s.errors for s in summaries) == 0
    assert sum(s.reminded for s in summaries) == total
    assert sum(s.escalated for s in summaries) == total
    steps = db.session.execute(
        select(Escalation.complaint_id, Escalation.deadline, Escalation.level)
    ).all()
    assert len(steps) == len(set(steps)) == 2 * total
    events = db.session.scalar(
        select(func.count())
        .select_from(ComplaintEvent)
        .where(ComplaintEvent.kind.in_(["reminder", "escalation"]))
    )
    assert events == 2 * total


def _insert_due_complaints(total: int) -> None:
    """Complaints past their verification deadline, inserted in one statement."""
    road = category("road-damage")
    pupr = unit("PUPR")
    rows = [
        {
            "code": f"ADU-RACE-{number:05d}",
            "kind": "complaint",
            "channel": "web",
            "status": "received",
            "priority": "normal",
            "category_id": road.id,
            "unit_id": pupr.id,
            "description": "Jalan berlubang di Desa Tanggilingo.",
            "anonymous": False,
            "confidential": False,
            "locale": "id",
            "created_at": RECEIVED,
            "updated_at": RECEIVED,
            "reopened_count": 0,
            "verify_due_at": VERIFY_DUE,
            "next_action_at": VERIFY_REMINDER,
            "escalation_level": 0,
            "version": 1,
        }
        for number in range(total)
    ]
    db.session.execute(sa.insert(Complaint), rows)
    db.session.commit()
