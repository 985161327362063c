"""`flask seed demo` shows a living office: every status, a conversation, a rating,
an overdue complaint and canned replies in Indonesian; running it twice adds nothing."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from complaints import clock
from complaints.extensions import db
from complaints.models import (
    CannedReply,
    Complaint,
    Message,
    Status,
    SurveyResponse,
)
from complaints.seed import DEMO_PASSWORD
from tests.staff_helpers import signed_in


def _counts() -> tuple[int, int, int, int]:
    return (
        db.session.scalar(select(func.count(Complaint.id))) or 0,
        db.session.scalar(select(func.count(Message.id))) or 0,
        db.session.scalar(select(func.count(CannedReply.id))) or 0,
        db.session.scalar(select(func.count(SurveyResponse.id))) or 0,
    )


def test_the_demo_has_every_status_a_conversation_a_rating_and_an_overdue_complaint(
    app: Flask, app_ctx: Flask
) -> None:
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert "officer@bonebolangokab.go.id" in result.output

    statuses = set(db.session.scalars(select(Complaint.status)))
    assert statuses == {status.value for status in Status}
    kinds = set(db.session.scalars(select(Message.kind)))
    assert {"public_reply", "internal_note"} <= kinds
    assert len(kinds) >= 3  # the citizen's own message too
    rated = db.session.scalar(select(SurveyResponse))
    assert rated is not None and rated.comment
    open_statuses = [Status.RECEIVED.value, Status.VERIFIED.value, Status.IN_PROGRESS.value]
    overdue = db.session.scalar(
        select(func.count(Complaint.id)).where(
            Complaint.status.in_(open_statuses), Complaint.next_action_at < clock.now()
        )
    )
    assert overdue and overdue >= 1
    titles = set(db.session.scalars(select(CannedReply.title)))
    assert "Mohon lokasi lebih jelas" in titles

    before = _counts()
    again = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert again.exit_code == 0, again.output
    assert _counts() == before


def test_the_demo_officer_sees_the_office_at_work(app: Flask, app_ctx: Flask) -> None:
    assert app.test_cli_runner().invoke(args=["seed", "demo"]).exit_code == 0
    officer = signed_in(app, "officer@bonebolangokab.go.id", DEMO_PASSWORD)
    queue = officer.get("/staff/complaints").get_data(as_text=True)
    assert "Pipa air bersih bocor" in queue  # the conversation under way
    assert "Gorong-gorong di Jalan Poowo" in queue  # the overdue one
    code = db.session.scalar(
        select(Complaint.code).where(Complaint.description.like("Pipa air bersih%"))
    )
    page = officer.get(f"/staff/complaints/{code}").get_data(as_text=True)
    assert "Di depan SD Negeri 3 Tilongkabila" in page  # the citizen's answer
    assert "koordinasi dengan PDAM" in page  # the internal note
