"""Keyset (cursor) pagination over complaints, newest first.

Ordering is on (created_at, id), both descending: created_at alone is not
unique (a batch import shares one instant), id breaks ties. The cursor is the
position of the last row sent, base64url-encoded so clients treat it as
opaque; unlike an OFFSET it stays correct while new complaints arrive and
costs one index range scan however deep the client pages.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_

from complaints.models import Complaint

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


class BadCursor(ValueError):
    """The cursor was not produced by this server."""


@dataclass(frozen=True)
class Position:
    created_at: datetime
    id: int


def encode_cursor(complaint: Complaint) -> str:
    raw = json.dumps({"t": complaint.created_at.isoformat(), "i": complaint.id})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        moment = datetime.fromisoformat(data["t"])
        row_id = data["i"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError) as error:
        raise BadCursor(str(error)) from None
    if moment.tzinfo is None or not isinstance(row_id, int) or isinstance(row_id, bool):
        raise BadCursor("cursor fields have the wrong type")
    return Position(moment, row_id)


def after(query: Select[tuple[Complaint]], position: Position | None) -> Select[tuple[Complaint]]:
    """``query`` ordered newest first, starting after ``position``."""
    if position is not None:
        # Written out rather than a row-value comparison: the same SQL on SQLite and PostgreSQL.
        query = query.where(
            or_(
                Complaint.created_at < position.created_at,
                and_(Complaint.created_at == position.created_at, Complaint.id < position.id),
            )
        )
    return query.order_by(Complaint.created_at.desc(), Complaint.id.desc())
