"""The SLA sweep: fire the ladder steps that are due, close what the citizen never confirmed.

How one sweep at ``now`` works:

1. Read due complaint ids in batches: ``next_action_at <= now`` among open
   statuses, which the partial index ``ix_complaints_next_action_open``
   answers, keyset-paginated on (next_action_at, id). Cost follows the due
   rows; open complaints that are not due are never read.
2. Claim a chunk of them in one transaction with a conditional UPDATE that
   re-checks "still due" under the row lock and bumps ``version``; RETURNING
   says which rows this sweep owns and hands back the columns the ladder
   needs, as plain rows (:class:`DueComplaint`), so no ORM object is loaded.
   On PostgreSQL the rows come from a ``FOR UPDATE SKIP LOCKED`` sub-select,
   so a racing sweep skips what the other holds instead of waiting for it;
   once the holder commits, those rows have moved their ``next_action_at``
   past ``now`` and no longer match. On SQLite the UPDATE takes the database
   write lock, which serialises sweeps the same way. Bumping ``version`` also
   makes a staff form opened before the sweep fail with ConcurrentChange
   instead of overwriting it.
3. Decide, for each claimed complaint, its due steps (who is told, what
   they read) or its closing, and its next ``next_action_at``, without
   writing anything: the ladder is worked out once per complaint on the
   sweep's calendar, with the policies' rules and the staff read once. One
   whose decision raises (bad policy data) is logged and its next check
   pushed :data:`RETRY_DELAY` forward, so it neither stops the sweep nor
   spins.
4. Write the chunk's steps with one bulk write per table (the outbox's
   idempotency keys checked by one query; see :mod:`complaints.bulk`) and
   the complaints' new ``next_action_at`` and ``escalation_level`` with one
   executemany UPDATE (one UPDATE over arrays on PostgreSQL).
   Closing loads those few complaints as ORM objects and goes through
   ``workflow.transition`` inside a SAVEPOINT per complaint, so a failing
   close is undone alone.
5. If the chunk itself fails (claim, flush or commit), it is rolled back and
   its complaints are redone one transaction each; one that still fails is
   pushed forward in a transaction of its own.

The unique key of ``escalations`` (complaint, deadline, level) is the last
line of defence: a step fired twice fails the second insert.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, bindparam, or_, select, text, update

from complaints import report_changes, workflow
from complaints.errors import ConcurrentChange
from complaints.extensions import db
from complaints.models import FINAL_STATUSES, Category, Complaint, Kind, Status
from complaints.types import UTCDateTime

from .calendar import WorkingCalendar
from .escalation import (
    SLA_ACTOR,
    PreparedStep,
    StaffDirectory,
    StepWording,
    prepare_step,
    record_steps,
)
from .ladder import (
    LADDER_STATUSES,
    REMINDER,
    EscalationStep,
    LadderRules,
    fired_steps,
    pending_steps,
)
from .policies import policy_for_kind, working_calendar

logger = logging.getLogger(__name__)

RETRY_DELAY = timedelta(minutes=15)
"""How far a complaint whose processing raised is pushed before the next try."""

CHUNK_SIZE = 500
"""Complaints claimed and committed together.

Large enough that the per-statement and per-commit costs are shared by many
complaints, small enough that the claimed rows (and, on SQLite, the database)
stay locked for a few tens of milliseconds only.
"""

# Spelled exactly like the partial index's predicate, with literals rather than
# bound parameters: SQLite uses a partial index only when the query repeats its
# WHERE term, and PostgreSQL can then prove it without a custom plan.
_OPEN = text(
    "complaints.status NOT IN ({})".format(", ".join(f"'{s.value}'" for s in FINAL_STATUSES))
)

# Plain strings: prepare() compares them once per due complaint.
_RESOLVED = Status.RESOLVED.value
_LADDER_STATUSES = frozenset(status.value for status in LADDER_STATUSES)
_INFORMATION_REQUEST = Kind.INFORMATION_REQUEST.value

_complaints = db.metadata.tables[Complaint.__tablename__]
_SET_NEXT_ACTION = (
    update(_complaints)
    .where(_complaints.c.id == bindparam("complaint_id"))
    .values(
        next_action_at=bindparam("next_action_at", type_=UTCDateTime()),
        escalation_level=bindparam("escalation_level"),
    )
)

# PostgreSQL: the whole chunk in one statement, its values as three arrays.
_SET_NEXT_ACTIONS_FROM_ARRAYS = text(
    "UPDATE complaints SET next_action_at = chunk.next_action_at,"
    " escalation_level = chunk.escalation_level"
    " FROM unnest(CAST(:ids AS integer[]), CAST(:next_actions AS timestamptz[]),"
    " CAST(:levels AS integer[])) AS chunk(id, next_action_at, escalation_level)"
    " WHERE complaints.id = chunk.id"
)


def _store_next_actions(updates: list[dict[str, Any]]) -> None:
    """Store the chunk's new ``next_action_at`` and ``escalation_level`` (the claim bumped version).

    One executemany on SQLite, which runs in-process; on PostgreSQL, where an
    executemany is one UPDATE per row on the server, one UPDATE over arrays.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(_SET_NEXT_ACTION, updates)
        return
    db.session.execute(
        _SET_NEXT_ACTIONS_FROM_ARRAYS,
        {
            "ids": [row["complaint_id"] for row in updates],
            "next_actions": [row["next_action_at"] for row in updates],
            "levels": [row["escalation_level"] for row in updates],
        },
    )


@dataclass
class SweepSummary:
    """What one sweep did (or, for a dry run, would do); ``as_json`` is the CLI's output."""

    now: datetime
    dry_run: bool = False
    due: int = 0
    reminded: int = 0
    escalated: int = 0
    closed: int = 0
    errors: int = 0
    # Due rows another sweep claimed first.
    skipped: int = 0
    escalated_by_level: Counter[int] = field(default_factory=Counter)

    def count_steps(self, steps: Sequence[EscalationStep]) -> None:
        for step in steps:
            if step.level == REMINDER:
                self.reminded += 1
            else:
                self.escalated += 1
                self.escalated_by_level[step.level] += 1

    def add(self, other: SweepSummary) -> None:
        self.reminded += other.reminded
        self.escalated += other.escalated
        self.closed += other.closed
        self.errors += other.errors
        self.skipped += other.skipped
        self.escalated_by_level.update(other.escalated_by_level)

    def as_json(self) -> dict[str, Any]:
        """The summary with the keys DESIGN.md fixes, plus ``skipped`` and ``dry_run``."""
        levels = sorted({1, 2} | set(self.escalated_by_level))
        return {
            "now": self.now.isoformat(),
            "due": self.due,
            "reminded": self.reminded,
            "escalated": self.escalated,
            "closed": self.closed,
            "errors": self.errors,
            "escalated_by_level": {str(level): self.escalated_by_level[level] for level in levels},
            "skipped": self.skipped,
            "dry_run": self.dry_run,
        }


class DueComplaint(NamedTuple):
    """The columns the sweep reads of a claimed complaint: a plain row, not an ORM object.

    Enough for the ladder (:class:`sla.ladder.DeadlineFacts`), for choosing
    who is told (:class:`sla.escalation.StepSubject`) and for the policy.
    """

    id: int
    code: str
    kind: str
    status: str
    category_id: int | None
    unit_id: int | None
    assignee_id: int | None
    created_at: datetime
    verified_at: datetime | None
    in_progress_at: datetime | None
    first_response_at: datetime | None
    verify_due_at: datetime | None
    response_due_at: datetime | None
    resolve_due_at: datetime | None
    confirm_due_at: datetime | None
    reopened_count: int
    escalation_level: int


_DUE_COLUMNS = [_complaints.c[name] for name in DueComplaint._fields]


@dataclass(frozen=True)
class Work:
    """What one complaint needs at ``now``, decided before anything is written."""

    steps: list[PreparedStep]
    close: bool
    next_action_at: datetime | None
    escalation_level: int


def sweep(now: datetime, dry_run: bool = False, batch_size: int = 500) -> SweepSummary:
    """Fire every ladder step due at ``now`` and auto-close expired confirmations.

    Idempotent: a second sweep at the same ``now`` finds nothing due. Safe to
    run in several processes at once (see the module docstring). Manages its
    own transactions, so call it with no pending changes in ``db.session``.
    With ``dry_run`` it counts what it would do and writes nothing.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("sweep() needs a timezone-aware now")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    run = _SweepRun(now, dry_run)
    try:
        for batch in _due_batches(now, batch_size):
            run.summary.due += len(batch)
            for start in range(0, len(batch), CHUNK_SIZE):
                run.handle_chunk(batch[start : start + CHUNK_SIZE])
    finally:
        # A dry run reads only; ending the transaction with a rollback guarantees it.
        db.session.rollback()
    summary = run.summary
    if summary.due or summary.errors:
        logger.info("SLA sweep%s: %s", " (dry run)" if dry_run else "", summary.as_json())
    return summary


def _due_batches(now: datetime, batch_size: int) -> Iterator[list[int]]:
    """Ids of due open complaints, earliest first, ``batch_size`` at a time.

    Keyset pagination never returns a row twice, even one that stays due
    because another sweep holds it.
    """
    last: tuple[datetime, int] | None = None
    while True:
        query = select(Complaint.id, Complaint.next_action_at).where(
            Complaint.next_action_at <= now, _OPEN
        )
        if last is not None:
            last_at, last_id = last
            query = query.where(
                Complaint.next_action_at >= last_at,
                or_(
                    Complaint.next_action_at > last_at,
                    and_(Complaint.next_action_at == last_at, Complaint.id > last_id),
                ),
            )
        rows = db.session.execute(
            query.order_by(Complaint.next_action_at, Complaint.id).limit(batch_size)
        ).all()
        if not rows:
            return
        last_row = rows[-1]
        last = (last_row.next_action_at, last_row.id)
        yield [row.id for row in rows]
        if len(rows) < batch_size:
            return


class _SweepRun:
    """The state of one sweep: its instant, calendar, caches and running totals."""

    def __init__(self, now: datetime, dry_run: bool) -> None:
        self.now = now
        self.dry_run = dry_run
        self.summary = SweepSummary(now=now, dry_run=dry_run)
        self.directory = StaffDirectory()
        self.wording = StepWording()
        self._calendar: WorkingCalendar | None = None
        self._rules: dict[tuple[bool, int | None], LadderRules] = {}

    @property
    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            self._calendar = working_calendar()
        return self._calendar

    def rules_for(self, complaint: DueComplaint) -> LadderRules:
        """The complaint's ladder rules, looked up once per category and kind per sweep.

        Bad policy data is not cached: each complaint it concerns fails alone.
        """
        key = (complaint.kind == _INFORMATION_REQUEST, complaint.category_id)
        rules = self._rules.get(key)
        if rules is None:
            category = (
                db.session.get(Category, complaint.category_id)
                if complaint.category_id is not None
                else None
            )
            rules = LadderRules.of(policy_for_kind(complaint.kind, category))
            self._rules[key] = rules
        return rules

    def prepare(self, complaint: DueComplaint, fired: set[tuple[str, int]]) -> Work:
        """Decide the complaint's due steps, or its closing, and its next check; write nothing.

        The ladder is worked out once: the steps due now fire, and the first
        one after now is the next check (what ``deadlines.next_action`` would
        answer once the due ones are recorded).
        """
        status = complaint.status
        level = complaint.escalation_level
        if status == _RESOLVED:
            due = complaint.confirm_due_at
            close = due is not None and due <= self.now
            return Work(
                [], close=close, next_action_at=None if close else due, escalation_level=level
            )
        if status not in _LADDER_STATUSES:
            return Work([], close=False, next_action_at=None, escalation_level=level)
        pending = pending_steps(complaint, self.rules_for(complaint), self.calendar, fired)
        due_steps = [step for step in pending if step.at <= self.now]
        following = next((step.at for step in pending if step.at > self.now), None)
        prepared = [
            prepare_step(complaint, step, self.directory, self.wording) for step in due_steps
        ]
        level = max([level] + [step.level for step in due_steps])
        return Work(prepared, close=False, next_action_at=following, escalation_level=level)

    # Chunks

    def handle_chunk(self, ids: list[int]) -> None:
        """Process ``ids`` in one transaction; on failure, retry them one by one."""
        if self.dry_run:
            self._count_chunk(ids)
            return
        try:
            outcome = self._process_chunk(ids)
        except Exception:
            db.session.rollback()
            if len(ids) > 1:
                logger.warning("SLA sweep: a chunk of %d failed; retrying singly", len(ids))
                for complaint_id in ids:
                    self.handle_chunk([complaint_id])
                return
            logger.exception("SLA sweep: complaint id %d failed", ids[0])
            self._push_forward_alone(ids[0])
            self.summary.errors += 1
            return
        self.summary.add(outcome)

    def _process_chunk(self, ids: list[int]) -> SweepSummary:
        """Claim, decide, write and commit one chunk; raises only if the chunk must be redone.

        Everything is decided first; then the chunk's steps are written with a
        few bulk writes and one UPDATE. Closing goes through the
        workflow, which flushes as it goes, so each close runs in a SAVEPOINT
        of its own.
        """
        outcome = SweepSummary(now=self.now)
        claimed = self._claim(ids)
        outcome.skipped = len(ids) - len(claimed)
        fired = fired_steps([complaint.id for complaint in claimed])
        failed: list[int] = []
        closing: list[int] = []
        updates: list[dict[str, Any]] = []
        fired_now: list[tuple[DueComplaint, PreparedStep]] = []
        for complaint in claimed:
            try:
                work = self.prepare(complaint, fired[complaint.id])
            except Exception:
                self._log_failure(complaint)
                failed.append(complaint.id)
                continue
            if work.close:
                closing.append(complaint.id)
                continue
            fired_now.extend((complaint, prepared) for prepared in work.steps)
            updates.append(
                {
                    "complaint_id": complaint.id,
                    "next_action_at": work.next_action_at,
                    "escalation_level": work.escalation_level,
                }
            )
            outcome.count_steps([prepared.step for prepared in work.steps])
        # Writing rows does not fail on data; if it fails at all, the chunk is redone.
        record_steps(fired_now, self.now)
        if fired_now:
            # Escalations count in the month they fire: marked when that month is
            # over (`flask sla sweep --now` in the past); closing marks in workflow.
            report_changes.mark(self.now)
        if updates:
            _store_next_actions(updates)
        outcome.closed += self._close(closing, failed)
        if failed:
            self._push_forward(failed)
            outcome.errors += len(failed)
        db.session.commit()
        return outcome

    def _close(self, ids: list[int], failed: list[int]) -> int:
        """Close the complaints whose confirmation window ended; add the failing ones to ``failed``.

        Closing changes the status, so it goes through the workflow with ORM
        objects; only these few complaints are loaded.
        """
        if not ids:
            return 0
        closed = 0
        # populate_existing: the claim bumped version behind the identity map's back.
        complaints = db.session.scalars(
            select(Complaint)
            .where(Complaint.id.in_(ids))
            .order_by(Complaint.id)
            .execution_options(populate_existing=True)
        ).all()
        for complaint in complaints:
            try:
                with db.session.begin_nested():
                    workflow.transition(complaint, Status.CLOSED, SLA_ACTOR, now=self.now)
            except ConcurrentChange:
                raise  # workflow rolled back the whole transaction; redo the chunk singly
            except Exception:
                self._log_failure(complaint)
                failed.append(complaint.id)
                continue
            closed += 1
        return closed

    def _claim(self, ids: list[int]) -> list[DueComplaint]:
        """Claim the still-due rows among ``ids``; their columns, in the order of ``ids``."""
        table = _complaints
        still_due: ColumnElement[bool] = and_(
            table.c.id.in_(ids), table.c.next_action_at <= self.now, _OPEN
        )
        if db.session.get_bind().dialect.name == "postgresql":
            lockable = select(table.c.id).where(still_due).with_for_update(skip_locked=True)
            still_due = table.c.id.in_(lockable.scalar_subquery())
        claim = (
            update(table)
            .where(still_due)
            .values(version=table.c.version + 1)
            .returning(*_DUE_COLUMNS)
        )
        return _in_order(ids, db.session.execute(claim))

    def _read(self, ids: list[int]) -> list[DueComplaint]:
        """The same columns as a claim, without claiming (for a dry run)."""
        query = select(*_DUE_COLUMNS).where(_complaints.c.id.in_(ids))
        return _in_order(ids, db.session.execute(query))

    def _log_failure(self, complaint: DueComplaint | Complaint) -> None:
        logger.exception(
            "SLA sweep: complaint %s (id %d) failed; next try in %s",
            complaint.code,
            complaint.id,
            RETRY_DELAY,
        )

    def _push_forward(self, complaint_ids: list[int]) -> None:
        db.session.execute(
            update(_complaints)
            .where(_complaints.c.id.in_(complaint_ids))
            .values(next_action_at=self.now + RETRY_DELAY)
        )

    def _push_forward_alone(self, complaint_id: int) -> None:
        """Push one complaint's next check in a transaction of its own; never raise."""
        try:
            self._push_forward([complaint_id])
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("SLA sweep: could not push complaint id %d forward", complaint_id)

    # Dry run

    def _count_chunk(self, ids: list[int]) -> None:
        fired = fired_steps(ids)
        for complaint in self._read(ids):
            try:
                work = self.prepare(complaint, fired[complaint.id])
            except Exception:
                logger.exception("SLA sweep (dry run): complaint %s would fail", complaint.code)
                self.summary.errors += 1
                continue
            self.summary.count_steps([prepared.step for prepared in work.steps])
            self.summary.closed += int(work.close)


def _in_order(ids: list[int], rows: Iterator[Any]) -> list[DueComplaint]:
    """Rows of :data:`_DUE_COLUMNS` as DueComplaints, in the order of ``ids`` (as they fell due).

    RETURNING has no ORDER BY; the order keeps the written rows in due order.
    """
    by_id = {row.id: DueComplaint(*row) for row in rows}
    return [by_id[complaint_id] for complaint_id in ids if complaint_id in by_id]
