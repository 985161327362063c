"""The rows a LAPOR! report becomes, as a new forwarded complaint or as history.

Not :func:`complaints.intake.submit_complaint`: an import writes hundreds of
complaints per statement and transaction (a dry run rolls them all back),
where intake builds, writes and commits one complaint at a time. A new
forwarded report gets what intake gives a ``lapor`` complaint — received
now, its category's unit, deadlines from now (:func:`deadlines_from`, the
SLA code intake uses), its first event, a reporter key and, when the file
gives a contact, the acknowledgement. A history row is a record of the past
instead: its LAPOR! received instant, the unit LAPOR! passed it to, its final
status stamped at that instant, no deadline and nothing sent (README,
"SP4N-LAPOR! import").

Rows are column values written with Core ``INSERT``s of many rows each
(RETURNING the ids in parameter order), not ORM objects: building and
flushing thousands of those cost most of an import's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm.attributes import set_committed_value

from complaints import notify, report_changes, reporter_keys
from complaints.codes import new_code
from complaints.extensions import db
from complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    Priority,
    Reporter,
    ReporterKey,
    Status,
)
from complaints.routing.examples import ROUTED_BY_HISTORY
from complaints.workflow import Actor
from sla.deadlines import apply_deadlines

from .rows import LaporRow

# The event that carries a history row's final status over from LAPOR!.
HISTORY_EVENT = "lapor_history"
DEADLINES = ("verify_due_at", "response_due_at", "resolve_due_at", "confirm_due_at")

_COMPLAINTS: Table = Complaint.__table__  # type: ignore[assignment]
_EVENTS: Table = ComplaintEvent.__table__  # type: ignore[assignment]
_REPORTERS: Table = Reporter.__table__  # type: ignore[assignment]
# Every column a new complaint's INSERT names (all rows of one statement name the same).
_COMPLAINT_COLUMNS = tuple(column.key for column in _COMPLAINTS.columns if column.key != "id")


@dataclass
class Report:
    """One complaint to write: its column values, its events', its reporter's if any."""

    complaint: dict[str, Any]
    events: list[dict[str, Any]]
    reporter: dict[str, Any] | None = None
    ids: dict[str, int] = field(default_factory=dict)


def deadlines_from(kind: str, category: Category, now: datetime) -> dict[str, Any]:
    """The deadlines and next SLA action of a complaint of ``kind`` received ``now``.

    The same for every new report of one kind and category in an import, so
    the importer asks once per pair.
    """
    probe = Complaint(
        kind=kind,
        category=category,
        priority=Priority.NORMAL.value,
        status=Status.RECEIVED.value,
        created_at=now,
    )
    apply_deadlines(probe, Status.RECEIVED, now)
    if probe in db.session:  # never to be written
        db.session.expunge(probe)
    return {name: getattr(probe, name) for name in (*DEADLINES, "next_action_at")}


def _event(
    actor: Actor, kind: str, at: datetime, *, to_status: str, **values: Any
) -> dict[str, Any]:
    """A ``complaint_events`` row, as :func:`complaints.workflow.new_event` fills it."""
    return {
        "at": at,
        "kind": kind,
        "actor_user_id": actor.user.id if actor.user else None,
        "actor_label": actor.label,
        "from_status": values.get("from_status"),
        "to_status": to_status,
        "note": values.get("note"),
        "public": False,
        "data": values.get("data"),
    }


def _complaint(row: LaporRow, category: Category, moment: datetime) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(_COMPLAINT_COLUMNS)
    values.update(
        code=new_code(),
        kind=row.kind or category.default_kind,
        channel=Channel.LAPOR.value,
        external_id=row.lapor_id,
        lapor_id=row.lapor_id,
        status=Status.RECEIVED.value,
        priority=Priority.NORMAL.value,
        category_id=category.id,
        description=row.description,
        title=row.title,
        address=row.address,
        kecamatan=row.kecamatan,
        desa=row.desa,
        anonymous=row.anonymous,
        confidential=row.confidential,
        locale="id",
        created_at=moment,
        updated_at=moment,
        escalation_level=0,
        reopened_count=0,
        hidden_from_public=False,
        version=1,
    )
    return values


def _reporter(row: LaporRow, moment: datetime) -> dict[str, Any] | None:
    contact = row.contact
    if not any(vars(contact).values()):
        return None
    return {
        "name": contact.name,
        "phone": contact.phone,
        "email": contact.email,
        "nik": None,
        "telegram_chat_id": None,
        "locale": "id",
        "created_at": moment,
        "erased_at": None,
    }


def _received(row: LaporRow, actor: Actor, moment: datetime) -> dict[str, Any]:
    lapor = {"lapor": row.lapor} if row.lapor else None
    return _event(actor, "status", moment, to_status=Status.RECEIVED.value, data=lapor)


def new_report(
    row: LaporRow,
    category: Category,
    actor: Actor,
    now: datetime,
    deadlines: dict[str, Any],
) -> Report:
    """A report forwarded from LAPOR! now, to be checked and routed like any other."""
    complaint = _complaint(row, category, now)
    complaint.update(deadlines, unit_id=category.default_unit_id)
    return Report(complaint, [_received(row, actor, now)], _reporter(row, now))


def _stamp(complaint: dict[str, Any], row: LaporRow, moment: datetime) -> None:
    """Every instant the final status implies, at the received instant.

    LAPOR!'s export has no date for the later steps, so they are stamped when
    the report came in: the figures count it in its own period. The working
    durations follow from these stamps (zero), as the backfill would store them.
    """
    status = row.status.status
    complaint["status"] = status.value
    if status in (Status.VERIFIED, Status.IN_PROGRESS, Status.CLOSED):
        complaint.update(verified_at=moment, check_working_seconds=0)
    if status in (Status.IN_PROGRESS, Status.CLOSED):
        complaint.update(in_progress_at=moment, first_response_at=moment)
        complaint["response_working_seconds"] = 0
    if status == Status.CLOSED:
        complaint.update(resolved_at=moment, closed_at=moment, resolve_working_seconds=0)
        complaint.update(resolution=row.answer, citizen_confirmed=row.status.citizen_confirmed)
    if status == Status.REJECTED:
        complaint.update(rejected_at=moment, check_working_seconds=0)
        complaint["rejection_reason"] = row.reason or row.lapor.get("status")


def history_report(row: LaporRow, category: Category, unit_id: int | None, actor: Actor) -> Report:
    """A report as LAPOR! left it: its received instant, unit and final status; no deadline."""
    moment = row.received_at
    assert moment is not None  # read with history=True
    complaint = _complaint(row, category, moment)
    complaint["unit_id"] = unit_id
    complaint["routed_by"] = ROUTED_BY_HISTORY if unit_id is not None else None
    _stamp(complaint, row, moment)
    events = [_received(row, actor, moment)]
    if complaint["status"] != Status.RECEIVED:
        events.append(
            _event(
                actor,
                HISTORY_EVENT,
                moment,
                from_status=Status.RECEIVED.value,
                to_status=complaint["status"],
                note=" — ".join(filter(None, (row.lapor.get("status"), row.reason))) or None,
                data={"unit": unit_id} if unit_id is not None else None,
            )
        )
    return Report(complaint, events, _reporter(row, moment))


def _insert_one(table: Table, values: dict[str, Any]) -> int:
    """INSERT one row; its id."""
    return int(db.session.execute(insert(table).returning(table.c.id), values).scalar_one())


def store(reports: Sequence[Report], *, acknowledge: bool) -> None:
    """Write ``reports`` (reporters, complaints, events, reporter keys) in the caller's transaction.

    The complaints go in one multi-row INSERT, their ids are read back by
    their tracking codes (one query), then the events and the keys go in one
    INSERT each. ``acknowledge``: a report that names a reporter gets the
    acknowledgement in the outbox, as from intake (new forwarded reports;
    history sends nothing).
    """
    for report in reports:
        if report.reporter is not None:  # rare: only the older layout has contacts
            report.complaint["reporter_id"] = _insert_one(_REPORTERS, report.reporter)
    db.session.execute(insert(_COMPLAINTS), [report.complaint for report in reports])
    codes = [report.complaint["code"] for report in reports]
    found = db.session.execute(
        select(_COMPLAINTS.c.code, _COMPLAINTS.c.id).where(_COMPLAINTS.c.code.in_(codes))
    )
    ids = {code: complaint_id for code, complaint_id in found}
    events = []
    for report in reports:
        complaint_id = report.ids["complaint"] = ids[report.complaint["code"]]
        events += [{**event, "complaint_id": complaint_id} for event in report.events]
    db.session.execute(insert(_EVENTS), events)
    db.session.execute(
        insert(ReporterKey),
        [
            {
                "complaint_id": report.ids["complaint"],
                "key_hash": reporter_keys.hash_of(reporter_keys.derive(report.complaint["code"])),
            }
            for report in reports
        ],
    )
    if acknowledge:
        for report in reports:
            if report.reporter is not None:
                _acknowledge(report)
    # Received in a month that is over: its stored report parts must be read again.
    for month in {report_changes.month_start(r.complaint["created_at"]) for r in reports}:
        report_changes.mark(month)


def _acknowledge(report: Report) -> None:
    """The acknowledgement intake queues, built from transient rows (never flushed)."""
    assert report.reporter is not None
    complaint = Complaint(id=report.ids["complaint"], **report.complaint)
    set_committed_value(complaint, "reporter", Reporter(**report.reporter))
    received = db.session.scalar(
        select(_EVENTS.c.id).where(
            _EVENTS.c.complaint_id == complaint.id, _EVENTS.c.kind == "status"
        )
    )
    event = ComplaintEvent(id=received, **report.events[0])
    notify.acknowledge(complaint, event, reporter_keys.derive(complaint.code))
    for transient in (complaint, event):
        if transient in db.session:
            db.session.expunge(transient)
