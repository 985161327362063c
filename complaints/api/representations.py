"""JSON shapes of the staff API: what a token holder sees of complaints and reference data.

The public shape lives in :mod:`complaints.public` (one function for the
tracking page and the API). The staff shape adds the internal fields, the
message thread and the event log; the reporter appears only when
:func:`~complaints.staff.access.can_see_reporter` allows it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from complaints import workflow
from complaints.models import Category, Complaint, ComplaintEvent, Message, Unit, User
from complaints.staff import access


def iso(moment: datetime | None) -> str | None:
    """An instant as ISO 8601 with its offset (stored instants are UTC)."""
    return moment.isoformat() if moment is not None else None


def category_json(category: Category, locale: str) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": category.name(locale),
        "name_id": category.name_id,
        "name_en": category.name_en,
        "description": category.description_en if locale == "en" else category.description_id,
        "default_kind": category.default_kind,
        "unit": category.default_unit.code if category.default_unit else None,
    }


def unit_json(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "parent": unit.parent.code if unit.parent else None,
        "is_regency_level": unit.is_regency_level,
        "is_front_office": unit.is_front_office,
    }


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "email": user.email, "name": user.name}


def complaint_summary(complaint: Complaint) -> dict[str, Any]:
    """One row of the staff list: enough to triage without a second request."""
    return {
        "code": complaint.code,
        "status": complaint.status,
        "kind": complaint.kind,
        "channel": complaint.channel,
        "priority": complaint.priority,
        "category": complaint.category.code,
        "unit": complaint.unit.code if complaint.unit else None,
        "assignee": _person(complaint.assignee),
        "description": complaint.description,
        "anonymous": complaint.anonymous,
        "confidential": complaint.confidential,
        "created_at": iso(complaint.created_at),
        "updated_at": iso(complaint.updated_at),
        "next_action_at": iso(complaint.next_action_at),
        "deadlines": {
            "verify": iso(complaint.verify_due_at),
            "response": iso(complaint.response_due_at),
            "resolve": iso(complaint.resolve_due_at),
            "confirm": iso(complaint.confirm_due_at),
        },
    }


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "at": iso(message.at),
        "kind": message.kind,
        "public": message.is_public,
        "body": message.body,
        "channel": message.channel,
        "author": message.author.email if message.author else None,
    }


def event_json(event: ComplaintEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": iso(event.at),
        "kind": event.kind,
        "actor": event.actor.email if event.actor else None,
        "actor_label": event.actor_label,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note,
        "public": event.public,
        "data": event.data,
    }


def _reporter(complaint: Complaint, user: User) -> dict[str, Any] | None:
    reporter = complaint.reporter
    if reporter is None or not access.can_see_reporter(user, complaint):
        return None
    return {
        "name": reporter.name,
        "phone": reporter.phone,
        "email": reporter.email,
        "nik": reporter.nik,
        "erased": reporter.erased_at is not None,
    }


def complaint_detail(complaint: Complaint, user: User) -> dict[str, Any]:
    """The full staff view of one complaint for ``user``."""
    detail = complaint_summary(complaint)
    detail.update(
        {
            "address": complaint.address,
            "lat": complaint.lat,
            "lon": complaint.lon,
            "locale": complaint.locale,
            "hidden_from_public": complaint.hidden_from_public,
            "verified_at": iso(complaint.verified_at),
            "first_response_at": iso(complaint.first_response_at),
            "resolved_at": iso(complaint.resolved_at),
            "closed_at": iso(complaint.closed_at),
            "escalation_level": complaint.escalation_level,
            "resolution": complaint.resolution,
            "rejection_reason": complaint.rejection_reason,
            "duplicate_of": complaint.duplicate_of.code if complaint.duplicate_of else None,
            "satisfaction": complaint.satisfaction,
            "reopened_count": complaint.reopened_count,
            "version": complaint.version,
            "allowed_transitions": sorted(
                status.value for status in workflow.allowed_moves(complaint.status)
            ),
            "reporter_visible": access.can_see_reporter(user, complaint),
            "reporter": _reporter(complaint, user),
            "messages": [message_json(message) for message in complaint.messages],
            "events": [event_json(event) for event in complaint.events],
        }
    )
    return detail
