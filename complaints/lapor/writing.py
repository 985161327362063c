"""The complaint a LAPOR! report becomes, as a new forwarded one or as history.

Not :func:`complaints.intake.submit_complaint`: an import writes hundreds of
rows per transaction (and a dry run rolls them all back), where intake
commits each complaint. A new forwarded report gets what intake gives a
``lapor`` complaint — received now, its category's unit, deadlines from now,
its first event, a reporter key and, when the file gives a contact, the
acknowledgement. A history row is a record of the past instead: its LAPOR!
received instant, the unit LAPOR! routed it to, its final status stamped at
that instant, no deadline and nothing sent (README, "SP4N-LAPOR! import").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert

from complaints import notify, report_changes, reporter_keys, workflow
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
from complaints.workflow import Actor
from sla.deadlines import apply_deadlines

from .rows import LaporRow

# The event that carries a history row's final status over from LAPOR!.
HISTORY_EVENT = "lapor_history"
ROUTED_BY_HISTORY = "history"


def _complaint(row: LaporRow, category: Category, moment: datetime) -> Complaint:
    complaint = Complaint(
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
    )
    contact = row.contact
    if any(vars(contact).values()):
        complaint.reporter = Reporter(
            name=contact.name,
            phone=contact.phone,
            email=contact.email,
            locale="id",
            created_at=moment,
        )
    return complaint


def _received(row: LaporRow, actor: Actor, moment: datetime) -> ComplaintEvent:
    return workflow.new_event(
        actor,
        "status",
        at=moment,
        to_status=Status.RECEIVED.value,
        data={"lapor": row.lapor} if row.lapor else None,
    )


def new_complaint(row: LaporRow, category: Category, actor: Actor, now: datetime) -> Complaint:
    """A report forwarded from LAPOR! now, to be checked and routed like any other."""
    complaint = _complaint(row, category, now)
    complaint.category = category
    complaint.unit_id = category.default_unit_id
    apply_deadlines(complaint, Status.RECEIVED, now)
    complaint.events = [_received(row, actor, now)]
    return complaint


def _stamp(complaint: Complaint, row: LaporRow, moment: datetime) -> None:
    """Every instant the final status implies, at the received instant.

    LAPOR!'s export has no date for the later steps, so they are stamped when
    the report came in: the figures count it in its own period. The working
    durations follow from these stamps (zero), as the backfill would store them.
    """
    status = row.status.status
    complaint.status = status.value
    if status in (Status.VERIFIED, Status.IN_PROGRESS, Status.CLOSED):
        complaint.verified_at = moment
        complaint.check_working_seconds = 0
    if status in (Status.IN_PROGRESS, Status.CLOSED):
        complaint.in_progress_at = complaint.first_response_at = moment
        complaint.response_working_seconds = 0
    if status == Status.CLOSED:
        complaint.resolved_at = complaint.closed_at = moment
        complaint.resolve_working_seconds = 0
        complaint.resolution = row.answer
        complaint.citizen_confirmed = row.status.citizen_confirmed
    if status == Status.REJECTED:
        complaint.rejected_at = moment
        complaint.check_working_seconds = 0
        complaint.rejection_reason = row.reason or row.lapor.get("status")


def history_complaint(
    row: LaporRow, category: Category, unit_id: int | None, actor: Actor
) -> Complaint:
    """A report as LAPOR! left it: its received instant, unit and final status; no deadline."""
    moment = row.received_at
    assert moment is not None  # read with history=True
    complaint = _complaint(row, category, moment)
    complaint.unit_id = unit_id
    complaint.routed_by = ROUTED_BY_HISTORY if unit_id is not None else None
    _stamp(complaint, row, moment)
    events = [_received(row, actor, moment)]
    if complaint.status != Status.RECEIVED:
        note = " — ".join(filter(None, (row.lapor.get("status"), row.reason)))
        events.append(
            workflow.new_event(
                actor,
                HISTORY_EVENT,
                at=moment,
                from_status=Status.RECEIVED.value,
                to_status=complaint.status,
                note=note or None,
                data={"unit": unit_id} if unit_id is not None else None,
            )
        )
    complaint.events = events
    return complaint


def store(complaints: Sequence[Complaint], *, history: bool) -> None:
    """INSERT ``complaints`` (with their reporters and events) and their reporter keys.

    In the caller's transaction. A new forwarded report with a contact gets
    its acknowledgement in the outbox, as from intake; history gets none.
    """
    db.session.add_all(complaints)
    db.session.flush()
    keys = {complaint.id: reporter_keys.derive(complaint.code) for complaint in complaints}
    db.session.execute(
        insert(ReporterKey),
        [
            {"complaint_id": complaint_id, "key_hash": reporter_keys.hash_of(key)}
            for complaint_id, key in keys.items()
        ],
    )
    if not history:
        for complaint in complaints:
            if complaint.reporter is not None:
                notify.acknowledge(complaint, complaint.events[0], keys[complaint.id])
    # Received in a month that is over: its stored report parts must be read again.
    for moment in {report_changes.month_start(c.created_at) for c in complaints}:
        report_changes.mark(moment)
