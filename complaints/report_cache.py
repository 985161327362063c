"""A closed period's expensive report parts, read once and kept until its complaints change.

A year's report over half a million complaints spends seconds on exact
percentiles, the grouped counts, the backlog and the archive check, while
the figures of a period that has ended rarely change. :func:`remembered`
keeps those parts in ``report_aggregates`` and serves them again for as long
as nothing they were read from has changed; the report adds what depends on
the moment or on other tables (complaints whose deadline passed after the
period ended, surveys, report runs, publications) live every time. So a
stored part is never stale, by construction:

* **What changes it.** Database triggers (migration 0007) count, per UTC
  month in ``complaint_generations``, every change a report can see: a
  complaint inserted, deleted or updated beyond the sweep's bookkeeping
  columns (under the month it was received in), an escalation (under the
  month it fired in), an event (under its complaint's month; SQLite counts
  only one that gives a complaint its first history or takes its last).
  They fire for every writer — the workflow, imports, the sweep, erasure, a
  bare UPDATE in psql — so no code path can forget to invalidate.
* **What a part depends on.** The complaints received before its period
  ended (the cohort, and the backlog's older open complaints), their events,
  and the escalations fired before it ended. Its generation is the sum of
  the counts of every month up to the period's end.
* **The order of reads.** The generation is read *before* the parts. A change
  committed in between may be in the parts, but its count is not in the
  stored generation, so the next report reads the parts again; a change
  committed later is counted later. Either way the stored generation is
  never newer than the data the parts saw.
* **Everything else it was read with** is in the key: the period, the time
  zone, the units in scope, the backlog's age edges (which follow the
  holiday calendar), and a fingerprint of the code that computes the parts,
  so a deployment with a changed query never serves the old figures.

Only periods that ended before now are stored: an open period changes with
every new complaint. The payload goes through JSON on both paths, so a
report computed now and one served from storage are built from the same
values.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from . import clock
from .extensions import db
from .models import ComplaintGeneration, ReportAggregate

logger = logging.getLogger(__name__)

# The modules whose code computes what is stored; a change to any of them
# changes every key.
_CODE = ("metrics.py", "durations.py", "report_cache.py")
# Stored parts older than this are dropped when others are stored.
KEPT_FOR = timedelta(days=30)


@cache
def code_fingerprint() -> str:
    """A hash of the modules that compute stored parts (their source files)."""
    digest = hashlib.sha256()
    folder = Path(__file__).resolve().parent
    try:
        for name in _CODE:
            digest.update((folder / name).read_bytes())
    except OSError:
        # Installed without its sources: never trust what another process stored.
        logger.warning("report sources not readable; stored report parts are per process")
        return uuid.uuid4().hex
    return digest.hexdigest()


def month_of(moment: datetime) -> int:
    """The ``YYYYMM`` month of an instant in UTC, as the triggers count it."""
    utc = moment.astimezone(UTC)
    return utc.year * 100 + utc.month


def generation(until: datetime) -> int:
    """How many changes the complaints received before ``until`` have seen."""
    last_month = month_of(until - timedelta(microseconds=1))
    total = db.session.scalar(
        select(func.coalesce(func.sum(ComplaintGeneration.generation), 0)).where(
            ComplaintGeneration.month <= last_month
        )
    )
    return int(total or 0)


def _writing() -> bool:
    """Whether this session's transaction holds writes not yet committed.

    Its reads then see them, and its generation counts them, so what it reads
    may never become true: nothing is stored or served from storage.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return bool(db.session.scalar(text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")))
    # pysqlite opens a transaction only before a write; reads alone never do.
    return bool(connection.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]


def key_of(parts: Any) -> str:
    """The storage key of a part's inputs (anything JSON can write) and of this code."""
    text = json.dumps([code_fingerprint(), parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def remembered(
    parts: Any,
    until: datetime,
    compute: Callable[[], Any],
    *,
    now: datetime,
    only_refresh: bool = False,
) -> Any:
    """``compute()``'s JSON-able result for the inputs ``parts``, stored while valid.

    ``until`` is the end of the period: the result may depend on every
    complaint received before it, and on nothing else that ``parts`` does not
    name. A period still running at ``now`` is computed every time, never
    stored. ``only_refresh``: compute only to replace a stale stored result
    (None when nothing was ever stored for these inputs). Either way the
    result has been through JSON, as a stored one has.
    """
    if until > now or _writing():
        return None if only_refresh else json.loads(json.dumps(compute()))
    key = key_of(parts)
    current = generation(until)
    stored = db.session.execute(
        select(ReportAggregate.generation, ReportAggregate.payload).where(
            ReportAggregate.key == key
        )
    ).first()
    if stored is not None and stored.generation == current:
        return json.loads(stored.payload)
    if stored is None and only_refresh:
        return None
    payload = json.dumps(compute())
    _store(key, current, payload)
    return json.loads(payload)


@contextmanager
def alone(name: str) -> Iterator[bool]:
    """Whether this process is the only one doing ``name`` now (PostgreSQL advisory lock).

    Yields False when another process holds it. SQLite always yields True:
    its deployments run one scheduler.
    """
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    lock_id = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with db.engine.connect() as connection:
        held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:id)"), {"id": lock_id}))
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
            connection.rollback()


def _store(key: str, current: int, payload: str) -> None:
    """Keep a payload, in its own transaction: the caller's session only reads.

    A failure to store costs the next report its speed, not its figures, so it
    is logged and not raised.
    """
    table = ReportAggregate.__table__
    now = clock.now()
    values = {"key": key, "generation": current, "computed_at": now, "payload": payload}
    dialect = db.engine.dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table).values(values)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "generation": insert.excluded.generation,
            "computed_at": insert.excluded.computed_at,
            "payload": insert.excluded.payload,
        },
    )
    # Parts nobody asked for in a while go; a period asked for again is read again.
    forgotten = delete(ReportAggregate).where(ReportAggregate.computed_at < now - KEPT_FOR)
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
            connection.execute(forgotten)
    except SQLAlchemyError:
        logger.exception("could not store report aggregates %s", key)
