"""The staff queue: filters, sorting, server-side pagination and status counts in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from complaints.codes import normalize_code
from complaints.extensions import db
from complaints.models import OPEN_STATUSES, Category, Complaint, Status, User

from .access import visible_filter

PAGE_SIZE = 50
AT_RISK_WINDOW = timedelta(hours=24)
SORTS = {
    "deadline": (Complaint.next_action_at.is_(None), Complaint.next_action_at, Complaint.id),
    "oldest": (Complaint.created_at, Complaint.id),
    "newest": (Complaint.created_at.desc(), Complaint.id.desc()),
    "priority": (
        # urgent first: alphabetical order is not the severity order
        case(
            {"urgent": 0, "high": 1, "normal": 2, "low": 3},
            value=Complaint.priority,
            else_=4,
        ),
        Complaint.created_at,
    ),
}


def current_deadline(complaint: Complaint) -> tuple[str, datetime] | None:
    """The deadline the complaint is working towards now, for 'time left' columns."""
    status = complaint.status
    if status == Status.RECEIVED and complaint.verify_due_at:
        return "verify", complaint.verify_due_at
    if status in (Status.VERIFIED, Status.IN_PROGRESS) and complaint.resolve_due_at:
        response_due = complaint.response_due_at
        if complaint.first_response_at is None and response_due:
            return (
                ("response", response_due)
                if response_due < complaint.resolve_due_at
                else (
                    "resolve",
                    complaint.resolve_due_at,
                )
            )
        return "resolve", complaint.resolve_due_at
    if status == Status.RESOLVED and complaint.confirm_due_at:
        return "confirm", complaint.confirm_due_at
    return None


def _overdue(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Complaint.status == Status.RECEIVED.value, Complaint.verify_due_at < now),
        and_(
            Complaint.status.in_([Status.VERIFIED.value, Status.IN_PROGRESS.value]),
            Complaint.resolve_due_at < now,
        ),
    )


def _at_risk(now: datetime) -> ColumnElement[bool]:
    soon = now + AT_RISK_WINDOW
    return or_(
        and_(
            Complaint.status == Status.RECEIVED.value,
            Complaint.verify_due_at.between(now, soon),
        ),
        and_(
            Complaint.status.in_([Status.VERIFIED.value, Status.IN_PROGRESS.value]),
            Complaint.resolve_due_at.between(now, soon),
        ),
    )


@dataclass
class QueuePage:
    complaints: list[Complaint]
    page: int
    has_next: bool
    counts: dict[str, int]


def _parse_date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        return None


def filtered(user: User, args: MultiDict[str, str], now: datetime) -> Select[tuple[Complaint]]:
    """The queue's SELECT for ``user`` with the filters in ``args`` (query string)."""
    query = select(Complaint).where(visible_filter(user))
    if status := args.get("status"):
        if status == "open":
            query = query.where(Complaint.status.in_([s.value for s in OPEN_STATUSES]))
        else:
            query = query.where(Complaint.status == status)
    for name, column in (
        ("unit", Complaint.unit_id),
        ("category", Complaint.category_id),
    ):
        if (value := args.get(name)) and value.isdigit():
            query = query.where(column == int(value))
    if channel := args.get("channel"):
        query = query.where(Complaint.channel == channel)
    assignee = args.get("assignee")
    if assignee == "me":
        query = query.where(Complaint.assignee_id == user.id)
    elif assignee == "none":
        query = query.where(Complaint.assignee_id.is_(None))
    elif assignee and assignee.isdigit():
        query = query.where(Complaint.assignee_id == int(assignee))
    if args.get("due") == "overdue":
        query = query.where(_overdue(now))
    elif args.get("due") == "at_risk":
        query = query.where(_at_risk(now))
    if start := _parse_date(args.get("from")):
        query = query.where(Complaint.created_at >= start)
    if end := _parse_date(args.get("to")):
        query = query.where(Complaint.created_at < end + timedelta(days=1))
    if text := (args.get("q") or "").strip():
        code = normalize_code(text)
        if code is not None:
            query = query.where(Complaint.code == code)
        else:
            query = query.where(Complaint.description.ilike(f"%{text[:100]}%"))
    return query


def queue_page(user: User, args: MultiDict[str, str], now: datetime) -> QueuePage:
    page = max(int(args.get("page", "1")) if args.get("page", "1").isdigit() else 1, 1)
    query = filtered(user, args, now)
    order = SORTS.get(args.get("sort", "deadline"), SORTS["deadline"])
    rows = db.session.scalars(
        query.options(
            joinedload(Complaint.category),
            joinedload(Complaint.unit),
            joinedload(Complaint.assignee),
        )
        .order_by(*order)
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    counts: dict[str, int] = {
        status: count
        for status, count in db.session.execute(
            select(Complaint.status, func.count(Complaint.id))
            .where(visible_filter(user))
            .group_by(Complaint.status)
        )
    }
    return QueuePage(list(rows[:PAGE_SIZE]), page, len(rows) > PAGE_SIZE, counts)


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.sort_order)))
