"""The staff queue: filters, search, keyset pages in each order, and status counts in SQL.

Each row reaches the page in words (:class:`QueueRow`): a one-line summary of
the text with contact details masked, the age, and the time to the next
deadline in working hours with its urgency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, union_all
from werkzeug.datastructures import MultiDict

from complaints import labels
from complaints.codes import normalize_code
from complaints.extensions import db
from complaints.ids import as_id
from complaints.metrics import overdue_at
from complaints.models import FINAL_STATUSES, Category, Channel, Complaint, Status, User
from complaints.redact import redact
from sla.calendar import WorkingCalendar
from sla.policies import working_calendar

from . import keyset
from .access import visible_filter

PAGE_SIZE = 50
# Status counts stop here: the page says "1000+" rather than count a million rows
# (at a million complaints, counting to 10,000 per status took most of the page's time).
COUNT_CAP = 1_000
AT_RISK_WINDOW = timedelta(hours=24)
# The search looks for at most this many words, each cut to this length.
SEARCH_WORDS = 5
SEARCH_WORD_LENGTH = 50
# The summary column shows the start of the text; CSS cuts it to the column's width.
SUMMARY_LENGTH = 140


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
    next_cursor: str | None
    previous_cursor: str | None
    counts: dict[str, int]
    count_cap: int = COUNT_CAP


def _parse_date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        return None


# Filter values the queue understands; any other value is ignored, not an error.
STATUS_VALUES = frozenset(status.value for status in Status)
CHANNEL_VALUES = frozenset(channel.value for channel in Channel)


def filtered(
    user: User,
    args: MultiDict[str, str],
    now: datetime,
    visible: ColumnElement[bool] | None = None,
) -> Select[tuple[Complaint]]:
    """The queue's SELECT for ``user`` with the filters in ``args`` (query string).

    ``visible`` is ``visible_filter(user)`` when the caller has it already.
    """
    query = select(Complaint).where(visible if visible is not None else visible_filter(user))
    if status := args.get("status"):
        if status == "open":
            # Spelt as "not final" (the same set, by the CHECK constraint) so PostgreSQL
            # can use the partial indexes declared with this very condition.
            query = query.where(Complaint.status.not_in([s.value for s in FINAL_STATUSES]))
        elif status in STATUS_VALUES:
            query = query.where(Complaint.status == status)
    for name, column in (
        ("unit", Complaint.unit_id),
        ("category", Complaint.category_id),
    ):
        if (wanted := as_id(args.get(name))) is not None:
            query = query.where(column == wanted)
    if (channel := args.get("channel")) in CHANNEL_VALUES:
        query = query.where(Complaint.channel == channel)
    assignee = args.get("assignee")
    if assignee == "me":
        query = query.where(Complaint.assignee_id == user.id)
    elif assignee == "none":
        query = query.where(Complaint.assignee_id.is_(None))
    elif (assignee_id := as_id(assignee)) is not None:
        query = query.where(Complaint.assignee_id == assignee_id)
    if args.get("due") == "overdue":
        query = query.where(overdue_at(now))
    elif args.get("due") == "at_risk":
        query = query.where(_at_risk(now))
    if start := _parse_date(args.get("from")):
        query = query.where(Complaint.created_at >= start)
    if end := _parse_date(args.get("to")):
        query = query.where(Complaint.created_at < end + timedelta(days=1))
    # NUL cannot be stored in PostgreSQL text, nor searched for: drop it.
    if text := (args.get("q") or "").replace("\x00", "").strip():
        query = query.where(search(text))
    return query


def search(text: str) -> ColumnElement[bool]:
    """Complaints with every word in their description or address, or with this tracking code.

    On PostgreSQL each ``ILIKE '%word%'`` is answered by the trigram (pg_trgm)
    GIN indexes on both columns, and the code by its unique index: no scan.
    SQLite has no trigram index and scans: acceptable for the embedded
    single-office default, whose queue holds thousands of complaints, not
    millions. Text that reads as a code is still searched as words too (an
    eight-letter word can look like one).
    """
    words = [word[:SEARCH_WORD_LENGTH] for word in text.split()[:SEARCH_WORDS]]
    in_text = and_(
        *(
            or_(
                Complaint.description.ilike(pattern, escape="\\"),
                Complaint.address.ilike(pattern, escape="\\"),
            )
            for pattern in (f"%{_escape_like(word)}%" for word in words)
        )
    )
    code = normalize_code(text)
    return in_text if code is None else or_(Complaint.code == code, in_text)


def _escape_like(word: str) -> str:
    """Match ``%`` and ``_`` literally: the officer searches text, not patterns."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def queue_page(user: User, args: MultiDict[str, str], now: datetime) -> QueuePage:
    """One page of the queue in the chosen order; ``after``/``before`` cursors move along it.

    A cursor that is not ours, or belongs to another order, gives the first page.
    """
    order = keyset.ORDERS.get(args.get("sort", ""), keyset.ORDERS[keyset.DEFAULT_ORDER])
    positions: dict[str, keyset.Position | None] = {}
    for name in ("after", "before"):
        raw = args.get(name)
        try:
            positions[name] = keyset.decode_cursor(raw, order) if raw else None
        except keyset.BadCursor:
            positions = {}
            break
    # Built once: for a supervisor it reads the unit tree.
    visible = visible_filter(user)
    page = keyset.page(
        filtered(user, args, now, visible),
        order,
        PAGE_SIZE,
        after=positions.get("after"),
        before=positions.get("before"),
    )
    return QueuePage(
        page.complaints, page.next_cursor, page.previous_cursor, status_counts(visible)
    )


def status_counts(visible: ColumnElement[bool]) -> dict[str, int]:
    """How many ``visible`` complaints there are per status, counted up to ``COUNT_CAP + 1``.

    An exact count reads every row of the status (all the closed complaints of
    the regency, a million in time); the queue only needs to say "more than
    1,000" there. Each status is a separate index range that stops at the
    cap, all in one statement.
    """
    per_status = [
        select(literal(status.value).label("status"), func.count().label("count")).select_from(
            select(literal(1))
            .select_from(Complaint)
            .where(visible, Complaint.status == status.value)
            .limit(COUNT_CAP + 1)
            .subquery()
        )
        for status in Status
    ]
    return {status: count for status, count in db.session.execute(union_all(*per_status)) if count}


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.sort_order)))


@dataclass(frozen=True)
class QueueRow:
    """One complaint as the queue shows it: everything already in words."""

    complaint: Complaint
    summary: str
    age: str
    due_in: str  # "5 working hours left", "3 working hours late", or ""
    due_phrase: str  # "Verify by 9 Dec 2026 16.00 WITA"
    urgency: str  # "overdue", "soon", "ok", or "" without a deadline


def summary(text: str) -> str:
    """The text's first line, shortened, with phone numbers, e-mails and ID numbers masked."""
    line = " ".join(text.split())
    if len(line) > SUMMARY_LENGTH:
        line = line[: SUMMARY_LENGTH - 1].rstrip() + "…"
    return redact(line)


def queue_rows(
    complaints: list[Complaint], now: datetime, when: Callable[[datetime], str]
) -> list[QueueRow]:
    """The page's complaints in words; ``when`` formats an instant (the ``local_time`` filter)."""
    calendar = working_calendar()
    return [_row(complaint, now, calendar, when) for complaint in complaints]


def _row(
    complaint: Complaint,
    now: datetime,
    calendar: WorkingCalendar,
    when: Callable[[datetime], str],
) -> QueueRow:
    due_in, phrase, urgency = "", "", ""
    if (current := current_deadline(complaint)) is not None:
        name, due = current
        phrase = labels.deadline_phrase(name, when(due))
        if due < now:
            late = calendar.working_seconds_between(due, now) / 3600
            due_in, urgency = labels.hours_late(late), "overdue"
        else:
            left = calendar.working_seconds_between(now, due) / 3600
            due_in = labels.hours_left(left)
            urgency = "soon" if due - now <= AT_RISK_WINDOW else "ok"
    return QueueRow(
        complaint,
        summary(complaint.description),
        labels.age_label(complaint.created_at, now),
        due_in,
        phrase,
        urgency,
    )
