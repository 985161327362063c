"""What the citizen is told, in their language, through the outbox.

Every text here is a catalog message so the Indonesian and English wording
live in ``translations/``. Messages go to the channel the citizen used when
it can carry a reply (Telegram, SMS, WhatsApp, e-mail); otherwise the tracking
page is where they read it. A mail carries its subject ("[ADU-…] …"), language
and audience in the outbox row (``channels.email.envelope``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flask import current_app, has_app_context
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import clock, reporter_keys
from .extensions import db
from .mail_envelope import CITIZEN, STAFF, wrap
from .models import (
    Complaint,
    ComplaintEvent,
    Notification,
    Reporter,
    Status,
    Supporter,
    User,
)
from .outbox import QueuedMessage, enqueue, enqueue_many, enqueue_new

EMAIL = "email"


def mail_on() -> bool:
    """Outbound e-mail is configured in this app (channels/email registered its sender)."""
    return has_app_context() and EMAIL in current_app.extensions.get("aduan_transports", {})


def citizen_address(complaint: Complaint) -> tuple[str, str] | None:
    """The (channel, address) that reaches the complaint's reporter, if any.

    In this order: the channel the complaint came by, when it can answer
    (Telegram, WhatsApp, e-mail); then Telegram, then SMS to the phone they
    gave; then e-mail to the address they gave. E-mail only while outbound
    mail is on, so no page promises a mail that cannot leave.
    """
    reporter = complaint.reporter
    if reporter is None or reporter.erased_at is not None:
        return None
    if complaint.channel == "telegram" and reporter.telegram_chat_id:
        return "telegram", reporter.telegram_chat_id
    if complaint.channel == "whatsapp" and reporter.phone:
        return "whatsapp", reporter.phone
    if complaint.channel == EMAIL and reporter.email and mail_on():
        return EMAIL, reporter.email
    return reporter_address(reporter)


def subject_line(code: str, what: str) -> str:
    """A mail's subject line: the complaint code first, so a reply finds its complaint."""
    return f"[{code}] {what}"


def tracking_url(code: str, key: str | None = None) -> str:
    """The tracking page's address for messages to citizens, from PUBLIC_BASE_URL only.

    Never from the request: its Host header is whatever the sender wrote, and a
    link in an SMS from the government's sender must not point anywhere else.
    Processes that deliver messages refuse to start without PUBLIC_BASE_URL
    (:func:`complaints.outbox.require_public_base_url`); without it the link is a
    path on the site.
    """
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    url = f"{base}/track/{code}"
    return f"{url}?{reporter_keys.QUERY_ARG}={key}" if key else url


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


# A duplicate's reporter reads the original's progress in these words: the
# original's own labels speak to its reporter ("waiting for your confirmation").
_MIRRORED_LABELS = {
    Status.VERIFIED: _l("checked and passed to the responsible unit"),
    Status.IN_PROGRESS: _l("being handled by the unit"),
    Status.RESOLVED: _l("resolved by the unit"),
    Status.CLOSED: _l("closed"),
    Status.REJECTED: _l("not accepted"),
}


def mirrored_label(original: Complaint) -> str | None:
    """The progress of ``original`` as a duplicate's reporter reads it, or None while received."""
    label = _MIRRORED_LABELS.get(Status(original.status))
    return str(label) if label is not None else None


def public_original_code(complaint: Complaint) -> str | None:
    """The code of the complaint this one was merged into, where it may be shown.

    Never a confidential one's: its reporter is another citizen, and its code
    would open its text to the duplicate's reporter.
    """
    original = complaint.duplicate_of
    if original is None or original.confidential:
        return None
    return original.code


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
            url=tracking_url(complaint.code, reporter_keys.key_for(complaint)),
        )
        target = citizen_address(complaint)
        if target is not None and target[0] in ("sms", "whatsapp"):
            # A basic phone opens no link: the reporter answers by message (channels/sms).
            text += " " + gettext(
                "Reply DONE %(code)s if it is fixed, or REOPEN %(code)s <reason>.",
                code=complaint.code,
            )
    elif status == Status.MERGED:
        original = public_original_code(complaint)
        if original is not None:
            text += " " + gettext("Follow it under code %(code)s.", code=original)
        else:
            text += " " + gettext(
                "Its progress is shown on your tracking page: %(url)s",
                url=tracking_url(complaint.code),
            )
    return text


def acknowledge(complaint: Complaint, event: ComplaintEvent, reporter_key: str) -> None:
    """Queue the acknowledgement with the tracking code and the reporter's own link."""
    with force_locale(complaint.locale):
        body = gettext(
            "Your complaint has been received. Tracking code: %(code)s. Follow it at %(url)s",
            code=complaint.code,
            url=tracking_url(complaint.code, reporter_key),
        )
        subject = subject_line(complaint.code, gettext("Your complaint has been received"))
    # Intake wrote the event a moment ago: no message can carry its key yet.
    _send(complaint, event, body, new_key=True, subject=subject)


def status_changed(complaint: Complaint, event: ComplaintEvent) -> None:
    """Queue the news of a status change, in plain words."""
    with force_locale(complaint.locale):
        body = _status_text(complaint, event)
        subject = subject_line(complaint.code, status_label(complaint.status))
    _send(complaint, event, body, subject=subject)
    _tell_duplicates(complaint, event)
    _tell_supporters(complaint, event)


def _tell_duplicates(original: Complaint, event: ComplaintEvent) -> None:
    """Tell the reporters of complaints merged into ``original`` how it progresses.

    Each under their own code: the original's code and text stay with its reporter.
    """
    if mirrored_label(original) is None:
        return
    duplicates = db.session.scalars(
        select(Complaint).where(Complaint.duplicate_of_id == original.id)
    ).all()
    for duplicate in duplicates:
        with force_locale(duplicate.locale):
            body = gettext(
                "Complaint %(code)s was combined with another report of the same problem, "
                "which is now %(status)s. Details: %(url)s",
                code=duplicate.code,
                status=mirrored_label(original),
                url=tracking_url(duplicate.code),
            )
            subject = subject_line(
                duplicate.code, gettext("News of the report yours was combined with")
            )
        key = f"event-{event.id}-duplicate-{duplicate.id}"
        _send(duplicate, event, body, key=key, subject=subject)


def reporter_address(reporter: Reporter | None) -> tuple[str, str] | None:
    """Where a citizen without a complaint of their own (a supporter) is reached.

    On the contact they gave, in :func:`citizen_address`'s order when the
    channel they came by cannot answer: Telegram, then SMS to their phone, then
    e-mail to their address (while outbound mail is on).
    """
    if reporter is None or reporter.erased_at is not None:
        return None
    if reporter.telegram_chat_id:
        return "telegram", reporter.telegram_chat_id
    if reporter.phone:
        return "sms", reporter.phone
    if reporter.email and mail_on():
        return EMAIL, reporter.email
    return None


def _tell_supporters(complaint: Complaint, event: ComplaintEvent) -> None:
    """Tell the citizens who supported ``complaint`` (complaints.support) how it progresses.

    In the words a duplicate's reporter reads: the complaint is not theirs to confirm.
    """
    if mirrored_label(complaint) is None:
        return
    supporters = db.session.scalars(
        select(Supporter)
        .options(joinedload(Supporter.reporter))
        .where(Supporter.complaint_id == complaint.id, Supporter.reporter_id.is_not(None))
    ).all()
    for supporter in supporters:
        target = reporter_address(supporter.reporter)
        if target is None:
            continue
        assert supporter.reporter is not None  # it has an address
        locale = supporter.reporter.locale
        with force_locale(locale):
            body = gettext(
                "Complaint %(code)s, which you also reported, is now %(status)s. Details: %(url)s",
                code=complaint.code,
                status=mirrored_label(complaint),
                url=tracking_url(complaint.code),
            )
            subject = subject_line(complaint.code, gettext("News of a report you support"))
        channel, address = target
        if channel == EMAIL:
            body = wrap(subject, body, locale=locale, audience=CITIZEN)
        key = f"event-{event.id}-supporter-{supporter.id}"
        enqueue(channel, address, body, key, complaint_id=complaint.id)


def staff_replied(complaint: Complaint, event: ComplaintEvent, reply: str) -> None:
    """Queue a public staff reply."""
    with force_locale(complaint.locale):
        body = gettext("Reply to complaint %(code)s: %(reply)s", code=complaint.code, reply=reply)
        subject = subject_line(complaint.code, gettext("A reply to your complaint"))
    _send(complaint, event, body, subject=subject)


def _send(
    complaint: Complaint,
    event: ComplaintEvent,
    body: str,
    *,
    new_key: bool = False,
    key: str | None = None,
    subject: str | None = None,
) -> None:
    target = citizen_address(complaint)
    if target is None:
        return
    channel, address = target
    if channel == EMAIL:
        body = wrap(
            subject or subject_line(complaint.code, "Aduan"),
            body,
            locale=complaint.locale,
            audience=CITIZEN,
        )
    key = key or f"event-{event.id}"
    # Back through the provider the citizen wrote through (the number they wrote to).
    transport = complaint.transport if channel == complaint.channel else None
    if new_key:
        enqueue_new(channel, address, body, key, complaint_id=complaint.id, transport=transport)
    else:
        enqueue(channel, address, body, key, complaint_id=complaint.id, transport=transport)


STAFF_NOTICE_CHANNELS = ("telegram", "sms", EMAIL)


class StaffAddresses(Protocol):
    """Where a staff member can be reached and where they chose to be: a :class:`User`, or
    the sweep's detached copy of one (``sla.escalation.StaffContact``)."""

    @property
    def telegram_chat_id(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def notice_channels(self) -> Sequence[str] | None: ...


def staff_reachable(user: StaffAddresses) -> list[str]:
    """The channels ``user`` can be reached on: Telegram if linked, SMS with a phone,
    e-mail while outbound mail is on."""
    reachable = []
    if user.telegram_chat_id:
        reachable.append("telegram")
    if user.phone:
        reachable.append("sms")
    if user.email and mail_on():
        reachable.append(EMAIL)
    return reachable


def staff_targets(user: StaffAddresses) -> list[tuple[str, str]]:
    """Every (channel, address) ``user`` gets their notices on.

    Their choice on the profile page (``users.notice_channels``), among the
    channels they can be reached on; no choice made (NULL) means every channel
    they can be reached on.
    """
    reachable = staff_reachable(user)
    chosen = reachable
    if user.notice_channels is not None:
        chosen = [channel for channel in reachable if channel in user.notice_channels]
    addresses = {"telegram": user.telegram_chat_id, "sms": user.phone, EMAIL: user.email}
    return [(channel, str(addresses[channel])) for channel in chosen]


def staff_copies(
    user: StaffAddresses,
    body: str,
    key: str,
    *,
    user_id: int,
    locale: str,
    subject: str,
    complaint_id: int | None = None,
) -> list[QueuedMessage]:
    """The outbox messages that copy a staff notice to where ``user`` chose (none queued here).

    One per chosen channel. The first keeps the notice's own ``key`` and each
    further one ``key:channel``, so the same notice queued again (a retried
    transaction, a second sweep) adds no row; an e-mail carries ``subject``.
    """
    copies = []
    for index, (channel, address) in enumerate(staff_targets(user)):
        text = body
        if channel == EMAIL:
            text = wrap(subject, body, locale=locale, audience=STAFF)
        copies.append(
            QueuedMessage(
                channel,
                address,
                text,
                key if index == 0 else f"{key}:{channel}",
                complaint_id=complaint_id,
                user_id=user_id,
            )
        )
    return copies


def notify_staff(
    user: User, kind: str, body: str, key: str, complaint: Complaint | None = None
) -> None:
    """An in-app notice for ``user``, copied where they chose (Telegram, SMS, e-mail; not
    committed)."""
    complaint_id = complaint.id if complaint else None
    db.session.add(
        Notification(
            user_id=user.id,
            complaint_id=complaint_id,
            kind=kind,
            body=body,
            created_at=clock.now(),
        )
    )
    with force_locale(user.locale):
        what = gettext("Notice from Aduan")
    subject = subject_line(complaint.code, what) if complaint else what
    enqueue_many(
        staff_copies(
            user,
            body,
            key,
            user_id=user.id,
            locale=user.locale,
            subject=subject,
            complaint_id=complaint_id,
        )
    )
