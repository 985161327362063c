"""The staff API's answers filled from rows: what a token holder sees of complaints.

Each function returns a model of :mod:`.response_bodies` (which defines the
shape once, for the answer and the spec). The staff view adds the internal
fields, the message thread and the event log to the list's row; the
reporter appears only when :func:`~complaints.staff.access.can_see_reporter`
allows it. The public view is :func:`complaints.public.public_json`.
"""

from __future__ import annotations

from complaints import workflow
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    Message,
    MessageKind,
    Status,
    Unit,
    User,
)
from complaints.staff import access

from . import response_bodies as answer


def category(row: Category, locale: str) -> answer.Category:
    return answer.Category(
        code=row.code,
        name=row.name(locale),
        name_id=row.name_id,
        name_en=row.name_en,
        description=row.description_en if locale == "en" else row.description_id,
        default_kind=row.default_kind,
        unit=row.default_unit.code if row.default_unit else None,
    )


def unit(row: Unit) -> answer.Unit:
    return answer.Unit(
        code=row.code,
        name=row.name,
        parent=row.parent.code if row.parent else None,
        is_regency_level=row.is_regency_level,
        is_front_office=row.is_front_office,
    )


def _person(user: User | None) -> answer.Person | None:
    if user is None:
        return None
    return answer.Person(id=user.id, email=user.email, name=user.name)


def _summary_fields(complaint: Complaint) -> dict[str, object]:
    return {
        "code": complaint.code,
        "status": Status(complaint.status),
        "kind": complaint.kind,
        "channel": complaint.channel,
        "priority": complaint.priority,
        "category": complaint.category.code,
        "unit": complaint.unit.code if complaint.unit else None,
        "assignee": _person(complaint.assignee),
        "description": complaint.description,
        "anonymous": complaint.anonymous,
        "confidential": complaint.confidential,
        "created_at": complaint.created_at,
        "updated_at": complaint.updated_at,
        "next_action_at": complaint.next_action_at,
        "deadlines": answer.Deadlines(
            verify=complaint.verify_due_at,
            response=complaint.response_due_at,
            resolve=complaint.resolve_due_at,
            confirm=complaint.confirm_due_at,
        ),
    }


def complaint_summary(complaint: Complaint) -> answer.ComplaintSummary:
    """One row of the staff list."""
    return answer.ComplaintSummary.model_validate(_summary_fields(complaint))


def message(row: Message) -> answer.Message:
    return answer.Message(
        id=row.id,
        at=row.at,
        kind=MessageKind(row.kind),
        public=row.is_public,
        body=row.body,
        channel=row.channel,
        author=row.author.email if row.author else None,
    )


def event(row: ComplaintEvent) -> answer.Event:
    return answer.Event(
        id=row.id,
        at=row.at,
        kind=row.kind,
        actor=row.actor.email if row.actor else None,
        actor_label=row.actor_label,
        from_status=row.from_status,
        to_status=row.to_status,
        note=row.note,
        public=row.public,
        data=row.data,
    )


def _reporter(complaint: Complaint, user: User) -> answer.Reporter | None:
    reporter = complaint.reporter
    if reporter is None or not access.can_see_reporter(user, complaint):
        return None
    return answer.Reporter(
        name=reporter.name,
        phone=reporter.phone,
        email=reporter.email,
        nik=reporter.nik,
        erased=reporter.erased_at is not None,
    )


def complaint_detail(complaint: Complaint, user: User) -> answer.StaffComplaint:
    """The full staff view of one complaint for ``user``."""
    return answer.StaffComplaint.model_validate(
        {
            **_summary_fields(complaint),
            "address": complaint.address,
            "lat": complaint.lat,
            "lon": complaint.lon,
            "locale": complaint.locale,
            "hidden_from_public": complaint.hidden_from_public,
            "verified_at": complaint.verified_at,
            "first_response_at": complaint.first_response_at,
            "resolved_at": complaint.resolved_at,
            "closed_at": complaint.closed_at,
            "escalation_level": complaint.escalation_level,
            "resolution": complaint.resolution,
            "rejection_reason": complaint.rejection_reason,
            "duplicate_of": complaint.duplicate_of.code if complaint.duplicate_of else None,
            "satisfaction": complaint.satisfaction,
            "reopened_count": complaint.reopened_count,
            "version": complaint.version,
            "allowed_transitions": sorted(workflow.allowed_moves(complaint.status)),
            "reporter_visible": access.can_see_reporter(user, complaint),
            "reporter": _reporter(complaint, user),
            "messages": [message(row) for row in complaint.messages],
            "events": [event(row) for row in complaint.events],
        }
    )
