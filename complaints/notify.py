"""What the citizen is told, in their language, through the outbox.

Every text here is a catalog message so the Indonesian and English wording
live in ``translations/``. Messages go to the channel the citizen used when
it can carry a reply (Telegram, SMS, WhatsApp); otherwise the tracking page
is where they read it.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from . import clock
from .extensions import db
from .models import Complaint, ComplaintEvent, Notification, Status, User
from .outbox import enqueue, enqueue_new


def citizen_address(complaint: Complaint) -> tuple[str, str] | None:
    """The (channel, address) that reaches the complaint's reporter, if any."""
    reporter = complaint.reporter
    if reporter is None or reporter.erased_at is not None:
        return None
    if complaint.channel == "telegram" and reporter.telegram_chat_id:
        return "telegram", reporter.telegram_chat_id
    if complaint.channel == "whatsapp" and reporter.phone:
        return "whatsapp", reporter.phone
    if reporter.telegram_chat_id:
        return "telegram", reporter.telegram_chat_id
    if reporter.phone:
        return "sms", reporter.phone
    return None


def tracking_url(code: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base and has_request_context():
        base = request.host_url
    return f"{(base or '').rstrip('/')}/track/{code}"


# Lazy, so a call translates one label, not seven: the staff queue shows one per row.
_STATUS_LABELS = {
    Status.RECEIVED: _l("Received, waiting to be checked"),
    Status.VERIFIED: _l("Checked and passed to the responsible unit"),
    Status.IN_PROGRESS: _l("Being handled by the unit"),
    Status.RESOLVED: _l("Resolved by the unit, waiting for your confirmation"),
    Status.CLOSED: _l("Closed"),
    Status.REJECTED: _l("Not accepted"),
    Status.MERGED: _l("Combined with another report of the same problem"),
}


def status_label(status: str) -> str:
    """A status in plain words, in the current locale."""
    return str(_STATUS_LABELS[Status(status)])


def _status_text(complaint: Complaint, event: ComplaintEvent) -> str:
    status = Status(complaint.status)
    text = gettext(
        "Complaint %(code)s: %(status)s.", code=complaint.code, status=status_label(status)
    )
    if status == Status.REJECTED and complaint.rejection_reason:
        text += " " + gettext("Reason: %(reason)s", reason=complaint.rejection_reason)
    elif status == Status.RESOLVED:
        text += " " + gettext(
            "Please confirm it is resolved and rate our service: %(url)s",
            url=tracking_url(complaint.code),
        )
    elif status == Status.MERGED and complaint.duplicate_of is not None:
        text += " " + gettext("Follow it under code %(code)s.", code=complaint.duplicate_of.code)
    return text


def acknowledge(complaint: Complaint, event: ComplaintEvent) -> None:
    """Queue the acknowledgement with the tracking code."""
    with force_locale(complaint.locale):
        body = gettext(
            "Your complaint has been received. Tracking code: %(code)s. Follow it at %(url)s",
            code=complaint.code,
            url=tracking_url(complaint.code),
        )
    # Intake wrote the event a moment ago: no message can carry its key yet.
    _send(complaint, event, body, new_key=True)


def status_changed(complaint: Complaint, event: ComplaintEvent) -> None:
    """Queue the news of a status change, in plain words."""
    with force_locale(complaint.locale):
        body = _status_text(complaint, event)
    _send(complaint, event, body)


def staff_replied(complaint: Complaint, event: ComplaintEvent, reply: str) -> None:
    """Queue a public staff reply."""
    with force_locale(complaint.locale):
        body = gettext("Reply to complaint %(code)s: %(reply)s", code=complaint.code, reply=reply)
    _send(complaint, event, body)


def _send(complaint: Complaint, event: ComplaintEvent, body: str, *, new_key: bool = False) -> None:
    target = citizen_address(complaint)
    if target is None:
        return
    channel, address = target
    key = f"event-{event.id}"
    if new_key:
        enqueue_new(channel, address, body, key, complaint_id=complaint.id)
    else:
        enqueue(channel, address, body, key, complaint_id=complaint.id)


def staff_channel(telegram_chat_id: str | None, phone: str | None) -> tuple[str, str] | None:
    """Where a staff member gets copies outside the app: Telegram if linked, else SMS."""
    if telegram_chat_id:
        return "telegram", telegram_chat_id
    if phone:
        return "sms", phone
    return None


def notify_staff(
    user: User, kind: str, body: str, key: str, complaint: Complaint | None = None
) -> None:
    """An in-app notice for ``user``, copied to their Telegram or SMS (not committed)."""
    db.session.add(
        Notification(
            user_id=user.id,
            complaint_id=complaint.id if complaint else None,
            kind=kind,
            body=body,
            created_at=clock.now(),
        )
    )
    target = staff_channel(user.telegram_chat_id, user.phone)
    if target is not None:
        channel, address = target
        enqueue(
            channel,
            address,
            body,
            key=key,
            complaint_id=complaint.id if complaint else None,
            user_id=user.id,
        )
