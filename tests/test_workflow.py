"""The transition table: every allowed move works, every forbidden one is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints import workflow
from complaints.errors import ConcurrentChange, InvalidTransition, ValidationFailed
from complaints.extensions import db
from complaints.models import ComplaintEvent, Status
from complaints.workflow import TRANSITIONS, Actor
from tests.conftest import MakeComplaint

ALLOWED = {
    ("received", "verified"),
    ("received", "rejected"),
    ("received", "merged"),
    ("verified", "in_progress"),
    ("verified", "rejected"),
    ("verified", "merged"),
    ("in_progress", "resolved"),
    ("resolved", "closed"),
    ("resolved", "in_progress"),
}
ALL_PAIRS = [(a.value, b.value) for a in Status for b in Status]


def test_the_table_is_the_one_in_the_design() -> None:
    table = {(a.value, b.value) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.parametrize(("start", "target"), sorted(ALLOWED))
def test_an_allowed_move_changes_status_and_writes_an_event(
    make_complaint: MakeComplaint, start: str, target: str
) -> None:
    complaint = make_complaint(status=start)
    actor = Actor.system("test")
    if target == "verified":
        workflow.verify_complaint(complaint, actor)
    elif target == "rejected":
        workflow.reject_complaint(complaint, actor, "Di luar kewenangan pemerintah kabupaten")
    elif target == "merged":
        workflow.merge_complaint(complaint, actor, make_complaint())
    elif target == "resolved":
        workflow.resolve_complaint(complaint, actor, "Jalan sudah ditambal.")
    elif target == "closed":
        workflow.confirm_resolution(complaint)
    elif start == "resolved":
        workflow.reopen_complaint(complaint, "Masih berlubang")
    else:
        workflow.start_work(complaint, actor)
    workflow.commit()

    db.session.expire_all()
    assert complaint.status == target
    last = db.session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.id.desc())
    ).first()
    assert last is not None
    assert (last.from_status, last.to_status) == (start, target)


@pytest.mark.parametrize(("start", "target"), [pair for pair in ALL_PAIRS if pair not in ALLOWED])
def test_a_forbidden_move_is_refused_and_changes_nothing(
    make_complaint: MakeComplaint, start: str, target: str
) -> None:
    complaint = make_complaint(status=start)
    events_before = len(complaint.events)
    with pytest.raises(InvalidTransition) as refusal:
        workflow.transition(complaint, target, Actor.system("test"))
    assert refusal.value.allowed == sorted(s.value for s in TRANSITIONS[Status(start)])
    db.session.rollback()
    db.session.expire_all()
    assert complaint.status == start
    assert len(complaint.events) == events_before


def test_rejecting_needs_a_reason(make_complaint: MakeComplaint) -> None:
    complaint = make_complaint()
    with pytest.raises(ValidationFailed) as failure:
        workflow.reject_complaint(complaint, Actor.system("test"), "  ")
    assert "reason" in failure.value.fields


def test_resolving_needs_a_resolution_text(make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="in_progress")
    with pytest.raises(ValidationFailed):
        workflow.resolve_complaint(complaint, Actor.system("test"), "")


def test_verifying_routes_to_the_category_unit_and_sets_deadlines(
    make_complaint: MakeComplaint,
) -> None:
    complaint = make_complaint(category_code="waste")
    workflow.verify_complaint(complaint, Actor.system("test"))
    workflow.commit()
    assert complaint.unit is not None and complaint.unit.code == "DLH"
    assert complaint.verified_at is not None
    assert complaint.response_due_at is not None and complaint.resolve_due_at is not None
    # The sweep's next job is the reminder at 75 % of the first-response span.
    assert complaint.next_action_at is not None
    assert complaint.verified_at < complaint.next_action_at < complaint.response_due_at


def test_a_reopened_complaint_gets_a_fresh_resolution_deadline(
    make_complaint: MakeComplaint, set_now
) -> None:
    from datetime import timedelta

    complaint = make_complaint(status="resolved")
    first_deadline = complaint.resolve_due_at
    assert first_deadline is not None
    set_now(first_deadline + timedelta(days=1))
    workflow.reopen_complaint(complaint, "Masih rusak")
    workflow.commit()
    assert complaint.resolve_due_at is not None and complaint.resolve_due_at > first_deadline
    assert complaint.reopened_count == 1
    assert complaint.confirm_due_at is None


def test_a_concurrent_change_is_refused_not_half_applied(
    make_complaint: MakeComplaint, app
) -> None:
    complaint = make_complaint()
    # A second session (another officer) verifies it first.
    from sqlalchemy.orm import Session

    from complaints.models import Complaint

    with Session(db.engine) as other:
        same = other.get(Complaint, complaint.id)
        assert same is not None
        same.status = "verified"  # the mapper bumps the version on flush
        other.commit()
    with pytest.raises(ConcurrentChange):
        workflow.reject_complaint(complaint, Actor.system("test"), "Spam")
        workflow.commit()
    db.session.expire_all()
    assert complaint.status == "verified"
    assert complaint.rejection_reason is None
