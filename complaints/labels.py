"""Internal values in words, as staff read them: one place for every staff page.

Statuses, kinds, channels, roles, priorities, deadlines, escalation levels,
yes/no, complaint events and audit actions. The citizen's own wording of a
status lives in :mod:`complaints.notify` ("waiting for *your* confirmation");
staff read the office's view of the same status ("waiting for the
citizen's confirmation"). Labels are lazy strings, so a call translates one
label in the current locale, not the whole table.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import format_date, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .models import (
    AuditLog,
    Channel,
    ComplaintEvent,
    Kind,
    OutboxStatus,
    Priority,
    RespondentAge,
    RespondentEducation,
    RespondentOccupation,
    RespondentSex,
    Role,
    Status,
    User,
)

STAFF_STATUS: dict[str, LazyString] = {
    Status.RECEIVED: _l("Waiting for verification"),
    Status.VERIFIED: _l("Verified, with the unit"),
    Status.IN_PROGRESS: _l("Being handled"),
    Status.RESOLVED: _l("Waiting for the citizen's confirmation"),
    Status.CLOSED: _l("Closed"),
    Status.REJECTED: _l("Rejected"),
    Status.MERGED: _l("Merged into another complaint"),
}

KINDS: dict[str, LazyString] = {
    Kind.COMPLAINT: _l("Complaint"),
    Kind.ASPIRATION: _l("Aspiration"),
    Kind.INFORMATION_REQUEST: _l("Information request"),
}

CHANNELS: dict[str, LazyString] = {
    Channel.WEB: _l("Online form"),
    Channel.TELEGRAM: _l("Telegram"),
    Channel.SMS: _l("SMS"),
    Channel.WHATSAPP: _l("WhatsApp"),
    Channel.API: _l("Partner application (API)"),
    Channel.OPEN311: _l("Partner application (Open311)"),
    Channel.COUNTER: _l("Service counter"),
    Channel.LAPOR: _l("SP4N-LAPOR!"),
    Channel.EMAIL: _l("E-mail"),
}

ROLES: dict[str, LazyString] = {
    Role.OFFICER: _l("Officer"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Administrator"),
}

PRIORITIES: dict[str, LazyString] = {
    Priority.LOW: _l("Low"),
    Priority.NORMAL: _l("Normal"),
    Priority.HIGH: _l("High"),
    Priority.URGENT: _l("Urgent"),
}

DEADLINES: dict[str, LazyString] = {
    "verify": _l("Verification"),
    "response": _l("First response"),
    "resolve": _l("Resolution"),
    "confirm": _l("Citizen's confirmation"),
}

DEADLINE_PHRASES: dict[str, LazyString] = {
    "verify": _l("Verify by %(when)s"),
    "response": _l("First response by %(when)s"),
    "resolve": _l("Resolve by %(when)s"),
    "confirm": _l("Citizen confirms by %(when)s"),
}

ESCALATION_LEVELS: dict[int, LazyString] = {
    0: _l("Not escalated"),
    1: _l("Level 1: the unit's head is told"),
    2: _l("Level 2: the regency (Organisation Bureau, Inspectorate) is told"),
}


NOTIFICATION_KINDS: dict[str, LazyString] = {
    "assignment": _l("Assignment"),
    "reminder": _l("Reminder"),
    "escalation": _l("Escalation"),
}


def _word(table: Mapping[Any, LazyString], value: Any) -> str:
    """The label of ``value``; an unknown value says so in words rather than show the code."""
    label = table.get(value)
    return str(label) if label is not None else gettext("Other")


def staff_status_label(status: str) -> str:
    return _word(STAFF_STATUS, status)


def kind_label(kind: str) -> str:
    return _word(KINDS, kind)


def channel_label(channel: str) -> str:
    return _word(CHANNELS, channel)


def role_label(role: str) -> str:
    return _word(ROLES, role)


def priority_label(priority: str) -> str:
    return _word(PRIORITIES, priority)


def deadline_label(deadline: str) -> str:
    """``resolve#1`` (a reopened complaint's second period) reads as ``resolve``."""
    return _word(DEADLINES, deadline.split("#", 1)[0])


def deadline_phrase(deadline: str, when: str) -> str:
    """ "Verify by 9 Dec 2026 16.00 WITA": the deadline's kind and instant in one sentence."""
    phrase = DEADLINE_PHRASES.get(deadline.split("#", 1)[0])
    return phrase % {"when": when} if phrase is not None else when


def notification_kind(kind: str) -> str:
    return _word(NOTIFICATION_KINDS, kind)


def escalation_label(level: int) -> str:
    if level in ESCALATION_LEVELS:
        return str(ESCALATION_LEVELS[level])
    return gettext("Level %(level)d: the regency is told again", level=level)


def yes_no(value: bool | None) -> str:
    if value is None:
        return "—"
    return gettext("Yes") if value else gettext("No")


def active_label(value: bool) -> str:
    return gettext("Active") if value else gettext("Inactive")


def person_name(user: User | None) -> str:
    """A staff member as colleagues know them: the name, else their e-mail's local part.

    "budi.santoso" from ``budi.santoso@bonebolangokab.go.id``: short enough for a
    queue column or a sentence, and the domain is the same for everyone.
    """
    if user is None:
        return "—"
    return user.name or user.email.split("@", 1)[0]


def file_size(size: int) -> str:
    """A file's size as people read it: "85 KB", "1,2 MB"."""
    if size < 1024 * 1024:
        return gettext("%(n)s KB", n=format_decimal(max(round(size / 1024), 1)))
    return gettext("%(n)s MB", n=format_decimal(round(size / (1024 * 1024), 1)))


def hours_left(hours: float) -> str:
    """Working time to a deadline, rounded down to the hour: "5 working hours left"."""
    if hours < 1:
        return gettext("under 1 working hour left")
    return gettext("%(n)d working hours left", n=int(hours))


def hours_late(hours: float) -> str:
    """Working time past a deadline, in whole hours: "3 working hours late"."""
    if hours < 1:
        return gettext("under 1 working hour late")
    return gettext("%(n)d working hours late", n=int(hours))


def age_label(created: datetime, now: datetime) -> str:
    """How long ago a complaint came in: minutes, hours or days."""
    seconds = max((now - created).total_seconds(), 0)
    if seconds < 3600:
        return gettext("%(n)d min", n=int(seconds // 60))
    if seconds < 86400:
        return gettext("%(n)d h", n=int(seconds // 3600))
    return gettext("%(n)d days", n=int(seconds // 86400))


def day_label(day: date) -> str:
    return format_date(day, "full")


# --- events and audit entries as sentences --------------------------------------------------

STATUS_EVENTS: dict[str, LazyString] = {
    Status.RECEIVED: _l("Complaint received"),
    Status.VERIFIED: _l("Verified and routed to the unit"),
    Status.IN_PROGRESS: _l("Work started"),
    Status.RESOLVED: _l("Marked resolved; the citizen is asked to confirm"),
    Status.CLOSED: _l("Closed"),
    Status.REJECTED: _l("Rejected"),
    Status.MERGED: _l("Merged into another complaint"),
}

EVENT_KINDS: dict[str, LazyString] = {
    "reply": _l("Replied to the citizen"),
    "note": _l("Internal note"),
    "amend": _l("The citizen added to the report"),
    "support": _l("Another citizen supports this report"),
    "rating": _l("The citizen rated the service"),
    "erase": _l("The reporter's personal data was erased"),
    "photos": _l("The citizen sent photos"),
    "citizen_message": _l("Message from the citizen"),
    "reminder": _l("Reminder: a deadline is near"),
    "escalation": _l("Escalated: a deadline was missed"),
    "reroute": _l("Moved to another unit"),
    "lapor_history": _l("Status carried over from SP4N-LAPOR!"),
}


def event_sentence(event: ComplaintEvent, people: Mapping[int, User]) -> str:
    """What happened, in a sentence; ``people`` names the staff an assignment mentions."""
    data = event.data or {}
    if event.kind == "status":
        if event.from_status == Status.RESOLVED and event.to_status == Status.IN_PROGRESS:
            return gettext("Reopened: the citizen says it is not resolved")
        return _word(STATUS_EVENTS, event.to_status)
    if event.kind == "assign":
        assignee = people.get(data.get("to") or 0)
        if assignee is None:
            return gettext("Assignment removed")
        return gettext("Assigned to %(name)s", name=person_name(assignee))
    if event.kind == "priority":
        return gettext(
            "Priority changed from %(old)s to %(new)s",
            old=priority_label(data.get("from", "")),
            new=priority_label(data.get("to", "")),
        )
    if event.kind == "auto_route":  # complaints.routing.auto
        return gettext(
            "Forwarded automatically to %(unit)s (confidence %(percent)d %%)",
            unit=data.get("unit_name") or gettext("another unit"),
            percent=round(float(data.get("score") or 0) * 100),
        )
    return _word(EVENT_KINDS, event.kind)


def actor_name(event: ComplaintEvent) -> str:
    if event.actor is not None:
        return person_name(event.actor)
    return {
        "citizen": gettext("The citizen"),
        "sla": gettext("Deadline watch"),
        "routing": gettext("The routing model"),
    }.get(event.actor_label, gettext("The system"))


AUDIT_ACTIONS: dict[str, LazyString] = {
    "login": _l("Signed in"),
    "login_failed": _l("Failed sign-in attempt"),
    "logout": _l("Signed out"),
    "password_changed": _l("Changed their password"),
    "profile_saved": _l("Updated their profile"),
    "sla_board_viewed": _l("Opened the SLA board"),
    "telegram_link_code_issued": _l("Asked for a Telegram link code"),
    "telegram_unlinked": _l("Unlinked their Telegram account"),
    "admin_units_saved": _l("Saved a unit"),
    "admin_categories_saved": _l("Saved a category"),
    "admin_policies_saved": _l("Saved an SLA policy"),
    "admin_users_saved": _l("Saved a user account"),
    "admin_canned_saved": _l("Saved a canned reply"),
    "admin_holiday_added": _l("Added a holiday"),
    "admin_holiday_removed": _l("Removed a holiday"),
    "admin_outbox_retry": _l("Sent a failed message again"),
    "admin_sender_blocked": _l("Blocked a sender"),
    "admin_sender_unblocked": _l("Unblocked a sender"),
    "admin_password_reset_issued": _l("Issued a password-reset link"),
    "password_reset_used": _l("Chose a new password with a reset link"),
    "password_reset_requested": _l("Asked for a password-reset link by e-mail"),
    "admin_invitation_issued": _l("Issued an invitation link"),
    "invitation_accepted": _l("Accepted the invitation and chose a password"),
    "admin_two_step_removed": _l("Turned off someone's two-step sign-in"),
    "two_step_enabled": _l("Turned on two-step sign-in"),
    "two_step_disabled": _l("Turned off two-step sign-in"),
    "login_code_failed": _l("Wrong authenticator code at sign-in"),
    "admin_letterhead_saved": _l("Saved the letterhead and signer"),
    "admin_routing_trained": _l("Trained the routing model"),
    "verify": _l("Verified and routed"),
    "assign": _l("Assigned"),
    "start": _l("Started work"),
    "reply": _l("Replied to the citizen"),
    "note": _l("Wrote an internal note"),
    "resolve": _l("Marked resolved"),
    "reject": _l("Rejected"),
    "merge": _l("Merged into another complaint"),
    "priority": _l("Changed the priority"),
    "reroute": _l("Moved to another unit"),
    "bulk_assign": _l("Assigned (several at once)"),
    "bulk_route": _l("Routed to a unit (several at once)"),
    "bulk_priority": _l("Changed the priority (several at once)"),
    "assessment_document_added": _l("Added an assessment document"),
    "assessment_document_removed": _l("Deleted an assessment document"),
    "lapor_imported": _l("Imported a SP4N-LAPOR! export"),
}


def audit_sentence(entry: AuditLog) -> str:
    """The action, with the detail that matters (a holiday's date, a channel) in words."""
    text = _word(AUDIT_ACTIONS, entry.action)
    detail = entry.detail or {}
    if isinstance(detail.get("day"), str):
        with contextlib.suppress(ValueError):
            text += ": " + day_label(date.fromisoformat(detail["day"]))
    if isinstance(detail.get("email"), str):
        text += " (" + detail["email"] + ")"
    if isinstance(detail.get("channel"), str):
        text += " (" + channel_label(detail["channel"]) + ")"
    if entry.target_type == "assessment_document" and isinstance(detail.get("title"), str):
        text += ": " + detail["title"]
    return text


FILTERS = {
    "staff_status": staff_status_label,
    "kind_label": kind_label,
    "channel_label": channel_label,
    "role_label": role_label,
    "priority_label": priority_label,
    "deadline_label": deadline_label,
    "escalation_label": escalation_label,
    "notification_kind": notification_kind,
    "yes_no": yes_no,
    "active_label": active_label,
    "person_name": person_name,
    "hours_late": hours_late,
    "hours_left": hours_left,
    "file_size": file_size,
    "deadline_phrase": deadline_phrase,
    "audit_sentence": audit_sentence,
    "event_sentence": event_sentence,
    "event_actor": actor_name,
    "day_label": day_label,
}


def init_app(app: Flask) -> None:
    """Every label as a Jinja filter (``{{ complaint.kind | kind_label }}``)."""
    app.jinja_env.filters.update(FILTERS)


# --- the complaint page: delivery of messages to the citizen, SKM answers ---------------------

OUTBOX_STATES: dict[str, LazyString] = {
    OutboxStatus.PENDING: _l("waiting to be sent"),
    OutboxStatus.SENT: _l("sent"),
    OutboxStatus.DELIVERED: _l("delivered"),
    OutboxStatus.FAILED: _l("failed"),
}

SKM_ANSWERS: dict[int, LazyString] = {
    4: _l("4 — very good"),
    3: _l("3 — good"),
    2: _l("2 — less than good"),
    1: _l("1 — not good"),
}


def delivery_label(status: str, channel_on: bool) -> str:
    """A message's delivery in words; a waiting message on a channel that is off never leaves."""
    if status == OutboxStatus.PENDING and not channel_on:
        return gettext("channel off, cannot be sent")
    return _word(OUTBOX_STATES, status)


def skm_answer(score: int | None) -> str:
    """A survey answer in words; a question the citizen skipped reads "not answered"."""
    return _word(SKM_ANSWERS, score) if score is not None else gettext("Not answered")


FILTERS["skm_answer"] = skm_answer


# --- the SKM respondent profile (optional questions of the survey) ----------------------------

RESPONDENT_QUESTIONS: dict[str, LazyString] = {
    "respondent_sex": _l("Sex"),
    "respondent_age": _l("Age group"),
    "respondent_education": _l("Highest education"),
    "respondent_occupation": _l("Occupation"),
}

RESPONDENT_ANSWERS: dict[str, dict[str, LazyString]] = {
    "respondent_sex": {
        RespondentSex.MALE: _l("Male"),
        RespondentSex.FEMALE: _l("Female"),
    },
    "respondent_age": {
        RespondentAge.UNDER_20: _l("Under 20 years"),
        RespondentAge.FROM_20: _l("20–29 years"),
        RespondentAge.FROM_30: _l("30–39 years"),
        RespondentAge.FROM_40: _l("40–49 years"),
        RespondentAge.FROM_50: _l("50–59 years"),
        RespondentAge.FROM_60: _l("60 years or more"),
    },
    "respondent_education": {
        RespondentEducation.PRIMARY: _l("Primary school (SD) or less"),
        RespondentEducation.JUNIOR_HIGH: _l("Junior high school (SMP)"),
        RespondentEducation.SENIOR_HIGH: _l("Senior high school (SMA/SMK)"),
        RespondentEducation.DIPLOMA: _l("Diploma (D1–D3)"),
        RespondentEducation.BACHELOR: _l("Bachelor's degree (D4/S1)"),
        RespondentEducation.POSTGRADUATE: _l("Postgraduate (S2/S3)"),
    },
    "respondent_occupation": {
        RespondentOccupation.CIVIL_SERVANT: _l("Civil servant, TNI or Polri"),
        RespondentOccupation.PRIVATE_EMPLOYEE: _l("Private employee"),
        RespondentOccupation.ENTREPRENEUR: _l("Entrepreneur"),
        RespondentOccupation.FARMER_FISHER: _l("Farmer or fisher"),
        RespondentOccupation.STUDENT: _l("Pupil or student"),
        RespondentOccupation.OTHER: _l("Other"),
    },
}


def respondent_answer(column: str, value: str | None) -> str:
    """A profile answer in words; "not given" when the citizen left it out."""
    if value is None:
        return gettext("Not given")
    return _word(RESPONDENT_ANSWERS.get(column, {}), value)
