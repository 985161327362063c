"""Each page runs a fixed number of SQL statements, whatever the number of rows behind it.

A page that loads a relation per row (an N+1) is fast on a demo database and
slow at a million complaints; these tests catch it on 3 versus 30 complaints,
each with events, messages, photos and escalations. Statements are counted with
a ``before_cursor_execute`` listener on the engine, so every round trip the
request makes counts, whatever issued it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from complaints import clock, workflow
from complaints.extensions import db
from complaints.models import Attachment, Complaint, Escalation, User
from complaints.workflow import Actor
from tests.api_helpers import bearer
from tests.conftest import Cast, MakeComplaint
from tests.staff_helpers import signed_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
# Escalation steps are unique per complaint and deadline: number them all apart.
LEVELS = itertools.count()
# Categories of different units: the more complaints, the more units, categories and
# assignees a page shows, so loading any of them row by row would show in the count.
CATEGORIES = ["road-damage", "waste", "hospital", "education", "permits", "social-aid"]


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run inside the block (one entry per round trip)."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def add_history(complaint: Complaint, staff: list[User], times: int) -> None:
    """Replies, internal notes, photos and escalation rows, ``times`` of each, by ``staff``."""
    for number in range(times):
        actor = Actor.staff(staff[number % len(staff)])
        workflow.reply_to_citizen(complaint, actor, f"Balasan nomor {number}.")
        workflow.add_internal_note(complaint, actor, f"Catatan nomor {number}.")
        db.session.add(
            Attachment(
                complaint_id=complaint.id,
                filename=f"foto-{number}.png",
                content_type="image/png",
                size=len(PNG),
                sha256=f"{number:064d}",
                content=PNG,
            )
        )
        db.session.add(
            Escalation(
                complaint_id=complaint.id,
                deadline="resolve",
                level=next(LEVELS),
                due_at=clock.now(),
                target_unit_id=complaint.unit_id,
            )
        )
    workflow.commit()


@pytest.fixture
def populate(cast: Cast, make_complaint: MakeComplaint) -> Callable[[int], list[Complaint]]:
    """Add ``count`` complaints in several statuses, each with some history."""
    statuses = ["in_progress", "received", "verified", "resolved", "closed"]
    made: list[Complaint] = []

    def add(count: int) -> list[Complaint]:
        for _ in range(count):
            number = len(made)
            complaint = make_complaint(
                status=statuses[number % len(statuses)],
                category_code=CATEGORIES[number % len(CATEGORIES)],
                name="Siti Rahma",
                phone="081234567890",
                address="Jl. Merdeka 1",
            )
            complaint.priority = ["urgent", "normal", "low"][number % 3]
            assignees = [None, cast.officer_a, cast.officer_b, cast.supervisor]
            assignee = assignees[number % len(assignees)]
            complaint.assignee_id = assignee.id if assignee else None
            add_history(complaint, [cast.officer_a], 2)
            made.append(complaint)
        return made

    return add


def statements_per_page(app: Flask, pages: dict[str, Callable[[], Any]]) -> dict[str, int]:
    """How many statements each page runs (each answer must be a 200)."""
    counts = {}
    for name, fetch in pages.items():
        with counted(app) as statements:
            response = fetch()
        assert response.status_code == 200, name
        counts[name] = len(statements)
    return counts


def _period() -> str:
    today = clock.now().date()
    return f"from={today - timedelta(days=30)}&to={today}"


def test_no_page_runs_more_queries_for_30_complaints_than_for_3(
    app: Flask, cast: Cast, populate: Callable[[int], list[Complaint]]
) -> None:
    viewed = populate(3)[0]
    code = viewed.code  # read now: the test's own queries must not be counted
    staff = signed_in(app, cast.admin.email)
    citizen = app.test_client()
    headers = bearer(cast.admin)
    pages: dict[str, Callable[[], Any]] = {
        f"queue{query}": (lambda query=query: staff.get(f"/staff/complaints{query}"))
        for query in (
            "",
            "?sort=priority",
            "?sort=newest&status=open",
            "?sort=oldest&assignee=none",
            "?q=Jalan",
        )
    }
    pages |= {
        "complaint page": lambda: staff.get(f"/staff/complaints/{code}"),
        "tracking page": lambda: citizen.get(f"/track/{code}"),
        "report": lambda: staff.get(f"/staff/reports?{_period()}"),
        "complaint list API": lambda: citizen.get("/api/v1/complaints", headers=headers),
        "metrics API": lambda: citizen.get(f"/api/v1/metrics?{_period()}", headers=headers),
    }
    statements_per_page(app, pages)  # warm what is loaded once per process
    few = statements_per_page(app, pages)
    populate(27)
    # More people in the history too: loading each actor apart would show.
    add_history(viewed, [cast.supervisor, cast.admin, cast.officer_b], 10)
    many = statements_per_page(app, pages)
    assert many == few


# Measured when this test was written: the idempotency-key lookup (which finding
# nothing spares intake its own replay lookup), the category with its unit and SLA
# policy (one joined query), then one INSERT each for the reporter, the complaint,
# its reporter key, its first event and the acknowledgement in the outbox.
API_INTAKE_STATEMENTS = 7
# A replay: the idempotency-key lookup, the category, the replay lookup, then the
# public JSON's loads of the earlier complaint's category, unit and replies (nothing
# of it is in this request's session; the JSON reads no events, and the reporter
# only to redact replies), and the reporter key's hash (the replay answers with it).
API_REPLAY_STATEMENTS = 7


def test_an_api_intake_runs_a_fixed_small_number_of_statements(app: Flask) -> None:
    client = app.test_client()
    body = {
        "category": "road-damage",
        "description": "Jalan berlubang di depan pasar sentral.",
        "name": "Siti Rahma",
        "phone": "081234567890",
    }

    def post(key: str) -> Any:
        return client.post("/api/v1/complaints", json=body, headers={"Idempotency-Key": key})

    assert post("warm-up").status_code == 201  # the calendar is built once per process
    with counted(app) as statements:
        created = post("first")
    assert created.status_code == 201
    # No UPDATE after the INSERT, no reload of what the request just wrote.
    assert not any(sql.lstrip().upper().startswith("UPDATE") for sql in statements)
    assert len(statements) <= API_INTAKE_STATEMENTS, "\n---\n".join(statements)
    with counted(app) as statements:
        replayed = post("first")
    assert replayed.status_code == 200
    assert replayed.get_json() == created.get_json()
    assert len(statements) <= API_REPLAY_STATEMENTS, "\n---\n".join(statements)
