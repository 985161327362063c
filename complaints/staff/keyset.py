"""Keyset (cursor) pagination over complaints, for every order the queue offers.

One implementation for the staff queue page and ``GET /api/v1/complaints``.

An order is a list of *buckets* scanned one after the other (urgent before
high before normal…; complaints with a next action before those without),
and inside a bucket one column plus the id, which breaks ties (a batch import
shares one instant). Each bucket is one plain ``WHERE bucket AND (column, id)
after the cursor ORDER BY column, id LIMIT n`` query, which the database
answers with an index range scan however deep the page: unlike an OFFSET, a
cursor costs the same on page 1 and page 500 and stays correct while new
complaints arrive. A page runs at most one query per bucket (two for the
deadline order, four for priority) and usually one.

The cursor is the position of a row (order name, bucket, column value, id),
base64url-encoded so clients treat it as opaque. It carries no secret: a
forged cursor can only move within the rows the caller may already see.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, true
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from complaints.extensions import db
from complaints.ids import MAX_ID
from complaints.models import Complaint, Priority


class BadCursor(ValueError):
    """The cursor was not produced by this server for this order."""


@dataclass(frozen=True)
class Bucket:
    """Rows matching ``condition``, ordered by ``column`` (None: all NULL, so by id only).

    ``holds`` is the same condition in Python, to place a fetched row.
    """

    condition: ColumnElement[bool]
    column: InstrumentedAttribute[Any] | None
    holds: Callable[[Complaint], bool]


@dataclass(frozen=True)
class Order:
    name: str
    buckets: tuple[Bucket, ...]
    descending: bool = False


def _priority_buckets() -> tuple[Bucket, ...]:
    # Urgent first: the alphabetical order of the values is not their severity.
    severity = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)
    return tuple(
        Bucket(
            Complaint.priority == level.value,
            Complaint.created_at,
            lambda complaint, level=level.value: complaint.priority == level,  # type: ignore[misc]
        )
        for level in severity
    )


def _always(complaint: Complaint) -> bool:
    return True


ORDERS = {
    order.name: order
    for order in (
        # Complaints with a next action first, soonest first; those without one last.
        Order(
            "deadline",
            (
                Bucket(
                    Complaint.next_action_at.is_not(None),
                    Complaint.next_action_at,
                    lambda complaint: complaint.next_action_at is not None,
                ),
                Bucket(
                    Complaint.next_action_at.is_(None),
                    None,
                    lambda complaint: complaint.next_action_at is None,
                ),
            ),
        ),
        Order("oldest", (Bucket(true(), Complaint.created_at, _always),)),
        Order("newest", (Bucket(true(), Complaint.created_at, _always),), descending=True),
        Order("priority", _priority_buckets()),
    )
}
DEFAULT_ORDER = "deadline"


@dataclass(frozen=True)
class Position:
    """Where a row sits in an order: the cursor's content."""

    order: str
    bucket: int
    value: datetime | None
    id: int


def position_of(order: Order, complaint: Complaint) -> Position:
    for index, bucket in enumerate(order.buckets):
        if bucket.holds(complaint):
            value = getattr(complaint, bucket.column.key) if bucket.column is not None else None
            return Position(order.name, index, value, complaint.id)
    raise ValueError(f"complaint {complaint.id} is in no bucket of {order.name}")


def encode_cursor(position: Position) -> str:
    raw = json.dumps(
        {
            "o": position.order,
            "b": position.bucket,
            "v": position.value.isoformat() if position.value is not None else None,
            "i": position.id,
        }
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: Order) -> Position:
    """The position in ``cursor``; :class:`BadCursor` unless made by us for ``order``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        name, bucket, raw_value, row_id = data["o"], data["b"], data["v"], data["i"]
        value = datetime.fromisoformat(raw_value) if raw_value is not None else None
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)  # overflows here, not in the database driver
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error, UnicodeError) as error:
        raise BadCursor(str(error)) from None
    if name != order.name or not _is_int(bucket) or not _is_int(row_id):
        raise BadCursor("cursor of another order, or fields of the wrong type")
    if not 0 <= row_id <= MAX_ID:
        raise BadCursor("no such id")
    if not 0 <= bucket < len(order.buckets):
        raise BadCursor("no such bucket")
    has_column = order.buckets[bucket].column is not None
    if has_column != (value is not None) or (value is not None and value.tzinfo is None):
        raise BadCursor("cursor value does not fit the order")
    return Position(name, bucket, value, row_id)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _beyond(bucket: Bucket, position: Position, ascending: bool) -> ColumnElement[bool]:
    """Rows of ``bucket`` strictly after ``position`` in the scan direction.

    Written out rather than a row-value comparison (same SQL on SQLite and
    PostgreSQL); the leading ``column >= value`` is redundant but gives the
    planner a range to start the index scan at.
    """
    column, row_id = bucket.column, position.id
    if column is None:
        return Complaint.id > row_id if ascending else Complaint.id < row_id
    if ascending:
        return and_(
            column >= position.value,
            or_(column > position.value, Complaint.id > row_id),
        )
    return and_(
        column <= position.value,
        or_(column < position.value, Complaint.id < row_id),
    )


def _scan(
    query: Select[tuple[Complaint]],
    bucket: Bucket,
    ascending: bool,
    limit: int,
    position: Position | None,
) -> Sequence[Complaint]:
    query = query.where(bucket.condition)
    if position is not None:
        query = query.where(_beyond(bucket, position, ascending))
    keys = [bucket.column, Complaint.id] if bucket.column is not None else [Complaint.id]
    ordering = [key.asc() if ascending else key.desc() for key in keys]
    return db.session.scalars(query.order_by(*ordering).limit(limit)).all()


def _fetch(
    query: Select[tuple[Complaint]],
    order: Order,
    limit: int,
    position: Position | None,
    forward: bool,
) -> list[Complaint]:
    """Up to ``limit`` rows after (forward) or before ``position``, in scan order."""
    ascending = forward != order.descending
    indexes = list(range(len(order.buckets)))
    if not forward:
        indexes.reverse()
    if position is not None:
        indexes = indexes[indexes.index(position.bucket) :]
    rows: list[Complaint] = []
    for index in indexes:
        here = position if position is not None and index == position.bucket else None
        rows += _scan(query, order.buckets[index], ascending, limit - len(rows), here)
        if len(rows) >= limit:
            break
    return rows


@dataclass
class Page:
    complaints: list[Complaint]
    next_cursor: str | None
    previous_cursor: str | None


def page(
    query: Select[tuple[Complaint]],
    order: Order,
    size: int,
    after: Position | None = None,
    before: Position | None = None,
) -> Page:
    """One page of ``query`` in ``order``: after ``after``, before ``before``, or the first.

    Category, unit and assignee come with the rows (joined), so listing them
    costs no further query per row.
    """
    query = query.options(
        joinedload(Complaint.category),
        joinedload(Complaint.unit),
        joinedload(Complaint.assignee),
    )
    if before is not None:
        rows = _fetch(query, order, size + 1, before, forward=False)
        if len(rows) > size:
            rows = list(reversed(rows[:size]))
            return Page(rows, _cursor(order, rows[-1]), _cursor(order, rows[0]))
        # Back at the start: show a full first page rather than a short one.
        after = None
    rows = _fetch(query, order, size + 1, after, forward=True)
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows,
        _cursor(order, rows[-1]) if more and rows else None,
        _cursor(order, rows[0]) if after is not None and rows else None,
    )


def _cursor(order: Order, complaint: Complaint) -> str:
    return encode_cursor(position_of(order, complaint))
