"""An ended period's report parts, stored with the instant they were read ("as of").

What the report reads from the complaints (:mod:`.parts`, :mod:`.volume`)
takes seconds for a year at a million complaints, and the figures of a period
that has ended rarely change. :func:`read` keeps them in ``report_aggregates``:

* a period still running, or one that ended less than a month ago, is read
  from the complaints at every report, never stored (its month's writes are
  not marked: :mod:`complaints.report_changes`);
* an ended period's parts are read once, stored with ``computed_at``, and
  served from then on as the figures "as of" that instant;
* the scheduler (:mod:`.preparation`, every 10 minutes) reads again the
  stored parts whose months changed since, and ``fresh=True`` (the report
  page's refresh button, ``flask report``) reads one now.

``changes_seen`` is the count of marked changes of the months up to the
period's end, read *before* the parts: a change committed in between may be
in the parts without being counted (they are read again, needlessly), and a
change committed later is counted later, so nothing is missed. The payload
goes through JSON on both paths, so a report computed now and one served
from storage are built from the same values.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from complaints import clock, report_changes
from complaints.extensions import db
from complaints.models import ReportAggregate

from .periods import Period, Scope

logger = logging.getLogger(__name__)

# Part of every key: bump it when what a stored part holds changes shape or
# meaning, so a deployment never serves parts the old code read.
FORMAT = 2
# Stored parts nobody asked for in this long are dropped by the preparation.
KEPT_FOR = timedelta(days=30)
# A served part's requested_at is written at most this often.
ASKED_AGAIN_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Part:
    """What a stored part is read from: its name, period, scope and other inputs."""

    name: str
    period: Period
    scope: Scope
    inputs: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        units = sorted(self.scope.unit_ids) if self.scope.unit_ids is not None else None
        period = self.period
        described = [FORMAT, self.name, period.start.isoformat(), period.end.isoformat()]
        described += [period.timezone, units, list(self.inputs)]
        return hashlib.sha256(json.dumps(described).encode()).hexdigest()

    @property
    def last_month(self) -> int:
        """The last month whose changes can move this part."""
        return report_changes.month_of(self.period.end_at - timedelta(microseconds=1))


@dataclass(frozen=True)
class Served:
    """A part's JSON-able payload, the instant it was read from the complaints, and its key."""

    payload: Any
    as_of: datetime
    key: str


def storable(period: Period, now: datetime) -> bool:
    """Whether ``period`` has ended at ``now`` and in a month no unmarked write reaches."""
    return period.end_at <= min(now, report_changes.stored_until(clock.now()))


def served_from_storage(start: date, end: date) -> bool:
    """Whether the report of these local days is served from stored parts."""
    return storable(Period.of(start, end), clock.now())


def read(part: Part, compute: Callable[[], Any], *, now: datetime, fresh: bool = False) -> Served:
    """``compute()``'s result for ``part``: stored for an ended period, else computed now.

    Call it with no uncommitted writes in ``db.session``: what it stores must
    be what every other session can read.
    """
    if not storable(part.period, now):
        return Served(json.loads(json.dumps(compute())), now, part.key)
    if not fresh:
        found = db.session.execute(
            select(
                ReportAggregate.computed_at, ReportAggregate.requested_at, ReportAggregate.payload
            ).where(ReportAggregate.key == part.key)
        ).first()
        if found is not None:
            _asked_for(part.key, found.requested_at)
            return Served(json.loads(found.payload), found.computed_at, part.key)
    as_of = clock.now()
    seen = report_changes.changes_up_to(part.last_month)
    payload = json.dumps(compute())
    _store(part, seen, as_of, payload)
    return Served(json.loads(payload), as_of, part.key)


def _store(part: Part, seen: int, as_of: datetime, payload: str) -> None:
    """Keep a payload, in its own transaction: the caller's session only reads.

    A part read earlier never replaces one read later. A failure to store costs
    the next report its speed, not its figures, so it is logged and not raised.
    """
    table = ReportAggregate.__table__
    values = {
        "key": part.key,
        "part": part.name,
        "period_from": part.period.start,
        "period_to": part.period.end,
        "unit_code": part.scope.unit.code if part.scope.unit is not None else None,
        "changes_seen": seen,
        "computed_at": as_of,
        "requested_at": as_of,
        "payload": payload,
    }
    dialect = db.engine.dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table).values(values)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={name: insert.excluded[name] for name in ("changes_seen", "computed_at", "payload")},
        where=table.c.computed_at <= insert.excluded.computed_at,
    )
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
    except SQLAlchemyError:
        logger.exception("could not store the report part %s", part.key)


def _asked_for(key: str, requested_at: datetime) -> None:
    """Note that someone asked for a stored part (at most once a day per part)."""
    now = clock.now()
    if requested_at > now - ASKED_AGAIN_AFTER:
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(ReportAggregate).where(ReportAggregate.key == key).values(requested_at=now)
            )
    except SQLAlchemyError:
        logger.exception("could not note the request of the report part %s", key)


@dataclass(frozen=True)
class Kept:
    """A stored part as the preparation lists it (without its payload)."""

    key: str
    part: str
    period_from: date
    period_to: date
    unit_code: str | None
    changes_seen: int


def kept() -> list[Kept]:
    """Every stored part, oldest period first."""
    rows = db.session.execute(
        select(
            ReportAggregate.key,
            ReportAggregate.part,
            ReportAggregate.period_from,
            ReportAggregate.period_to,
            ReportAggregate.unit_code,
            ReportAggregate.changes_seen,
        ).order_by(ReportAggregate.period_to, ReportAggregate.key)
    ).all()
    return [Kept(*row) for row in rows]


def forget(keys: list[str]) -> None:
    """Drop these stored parts (in a transaction of their own)."""
    if keys:
        with db.engine.begin() as connection:
            connection.execute(delete(ReportAggregate).where(ReportAggregate.key.in_(keys)))


def forget_unasked(now: datetime) -> int:
    """Drop the parts nobody asked for in :data:`KEPT_FOR`; returns how many went."""
    with db.engine.begin() as connection:
        result = connection.execute(
            delete(ReportAggregate).where(ReportAggregate.requested_at < now - KEPT_FOR)
        )
    return int(result.rowcount or 0)
