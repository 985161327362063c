"""Erasing a reporter's personal data on request, keeping the complaint and its figures.

DESIGN.md: nothing is ever deleted, but a citizen may ask to be forgotten.
:func:`erase_reporter` anonymises everything that identifies the person behind
one complaint — their contact details, the handles the bots know them by, and
their name, number or e-mail wherever it was written into free text — while
the complaint's status, category, unit, instants, events and survey answers
stay, so every published figure is unchanged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_babel import gettext
from sqlalchemy import delete, or_, select

from . import clock, report_changes
from .errors import DomainError, ValidationFailed
from .extensions import db
from .models import (
    Attachment,
    AuditLog,
    Complaint,
    ComplaintEvent,
    Conversation,
    InboundReceipt,
    Message,
    Notification,
    OutboundMessage,
    OutboxStatus,
    Reporter,
    Supporter,
    SurveyResponse,
)
from .redact import MASK, redact
from .workflow import Actor, record_event

logger = logging.getLogger(__name__)

ERASED_ADDRESS = "[erased]"
CANCELLED = "cancelled: the reporter's personal data was erased"


@dataclass(frozen=True)
class Identity:
    """What identifies the person, as stored and as people write it."""

    names: tuple[str, ...]
    literals: tuple[str, ...]  # phone (several spellings), e-mail, NIK, chat id

    @classmethod
    def of(cls, reporter: Reporter) -> Identity:
        literals: list[str] = []
        if reporter.phone:
            digits = reporter.phone.lstrip("+")
            literals += [reporter.phone, digits]
            if digits.startswith("62"):
                literals.append("0" + digits[2:])  # the national form, 0812…
        literals += [value for value in (reporter.email, reporter.nik) if value]
        if reporter.telegram_chat_id:
            literals.append(reporter.telegram_chat_id)
        return cls(
            names=(reporter.name,) if reporter.name else (),
            literals=tuple(sorted(set(literals), key=len, reverse=True)),
        )

    @property
    def addresses(self) -> tuple[str, ...]:
        """The outbox and bot addresses that reach the person (E.164 phone, chat id)."""
        return tuple(value for value in self.literals if value.startswith("+") or value.isdigit())

    def scrub(self, text: str | None) -> str | None:
        """``text`` with the person's data and any contact details in it masked."""
        if not text:
            return text
        masked = redact(text, self.names)
        for literal in self.literals:
            masked = re.sub(re.escape(literal), MASK, masked, flags=re.IGNORECASE)
        return masked

    def scrub_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {key: self.scrub_json(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub_json(item) for item in value]
        return value

    def appears_in(self, text: str | None) -> bool:
        return bool(text) and self.scrub(text) != text


@dataclass(frozen=True)
class ErasureSummary:
    code: str
    cancelled: int  # messages to the citizen that were still waiting and will not go
    scrubbed: int  # rows whose free text or address was rewritten

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "cancelled": self.cancelled, "scrubbed": self.scrubbed}


def erase_reporter(complaint: Complaint, actor: Actor, reason: str) -> ErasureSummary:
    """Anonymise the reporter of ``complaint`` (in the caller's transaction, not committed).

    1. refuse without a reason, or when there is no one left to erase;
    2. cancel the messages still waiting for the citizen and blank the sent ones;
    3. mask the person in the complaint's free text, history, messages, photos'
       names, survey comment and staff notices;
    4. forget the bots' conversation with them;
    5. blank the reporter row and stamp ``erased_at``, which also stops every
       future message (``notify.citizen_address``);
    6. write an internal complaint event and an audit-log row saying who and why.
    """
    cleaned_reason = (reason or "").strip()
    if not cleaned_reason:
        raise ValidationFailed({"reason": gettext("Give the reason for the erasure.")})
    reporter = complaint.reporter
    if reporter is None or reporter.erased_at is not None:
        raise DomainError(gettext("There is no personal data left to erase."))
    identity = Identity.of(reporter)
    cancelled, scrubbed = _erase_outbox(complaint, identity)
    scrubbed += _scrub_complaint(complaint, identity)
    scrubbed += _scrub_related_rows(complaint, identity)
    scrubbed += _forget_conversations(identity)
    moment = clock.now()
    scrubbed += _forget_support(reporter, moment)
    reporter.name = reporter.phone = reporter.email = reporter.nik = None
    reporter.telegram_chat_id = None
    reporter.erased_at = moment
    note = identity.scrub(cleaned_reason)
    record_event(complaint, actor, "erase", note=note, public=False, now=moment)
    # Stored report parts may quote its rejection reason: read them again, not keep it.
    report_changes.forget_parts_reaching(complaint.created_at)
    db.session.add(
        AuditLog(
            at=moment,
            actor_user_id=actor.user.id if actor.user else None,
            action="erase_reporter",
            target_type="complaint",
            target_id=complaint.id,
            ip=request.remote_addr if has_request_context() else None,
            detail={"reason": note, "by": actor.label},
        )
    )
    logger.info("reporter of complaint %s erased by %s", complaint.code, actor.label)
    return ErasureSummary(complaint.code, cancelled, scrubbed)


def same_person(complaint: Complaint) -> list[Complaint]:
    """The person's other complaints whose reporter still holds their data, oldest first.

    The same person is someone with the same phone number, e-mail address, NIK
    or Telegram chat as the reporter of ``complaint`` (never the name alone:
    names are shared).
    """
    reporter = complaint.reporter
    if reporter is None or reporter.erased_at is not None:
        return []
    handles = _handles(reporter)
    if not handles:
        return []
    query = (
        select(Complaint)
        .join(Reporter, Complaint.reporter_id == Reporter.id)
        .where(Reporter.erased_at.is_(None), Complaint.id != complaint.id, or_(*handles))
        .order_by(Complaint.id)
    )
    return list(db.session.scalars(query))


def erase_person(
    complaint: Complaint, actor: Actor, reason: str, *, all_complaints: bool = True
) -> list[ErasureSummary]:
    """:func:`erase_reporter` for ``complaint`` and every other complaint of the same person.

    A citizen who asks to be forgotten means all their reports; the others are
    found (:func:`same_person`) before anything is erased. With
    ``all_complaints`` False, ``complaint`` alone. Its summary comes first. Not
    committed.
    """
    others = same_person(complaint) if all_complaints else []
    return [erase_reporter(each, actor, reason) for each in (complaint, *others)]


def _erase_outbox(complaint: Complaint, identity: Identity) -> tuple[int, int]:
    """Cancel what still waits for the citizen; blank address and personal text of the rest."""
    to_citizen = OutboundMessage.user_id.is_(None) & (
        (OutboundMessage.complaint_id == complaint.id)
        | (OutboundMessage.complaint_id.is_(None) & OutboundMessage.address.in_(identity.addresses))
    )
    cancelled = scrubbed = 0
    for message in db.session.scalars(select(OutboundMessage).where(to_citizen)):
        if message.status == OutboxStatus.PENDING:
            message.status = OutboxStatus.FAILED.value
            message.last_error = CANCELLED
            cancelled += 1
        else:
            message.last_error = identity.scrub(message.last_error)
        message.address = ERASED_ADDRESS
        message.body = identity.scrub(message.body) or ""
        scrubbed += 1
    # Copies to staff keep their address (a staff member's) but not the citizen's words.
    staff_copies = select(OutboundMessage).where(
        OutboundMessage.complaint_id == complaint.id, OutboundMessage.user_id.is_not(None)
    )
    scrubbed += _rewrite(db.session.scalars(staff_copies), identity, ("body",))
    return cancelled, scrubbed


def _scrub_complaint(complaint: Complaint, identity: Identity) -> int:
    fields = ("description", "address", "resolution", "rejection_reason", "satisfaction_comment")
    changed = _rewrite([complaint], identity, fields)
    if identity.appears_in(complaint.external_id):
        # The channel's idempotency id may embed the chat id (tg-<chat>-<n>).
        complaint.external_id = f"erased-{complaint.id}"
        changed = 1
    return changed


def _scrub_related_rows(complaint: Complaint, identity: Identity) -> int:
    of_complaint = {
        ComplaintEvent: (ComplaintEvent.complaint_id, ("note",)),
        Message: (Message.complaint_id, ("body",)),
        Attachment: (Attachment.complaint_id, ("filename",)),
        SurveyResponse: (SurveyResponse.complaint_id, ("comment",)),
        Notification: (Notification.complaint_id, ("body",)),
    }
    changed = 0
    for model, (column, fields) in of_complaint.items():
        rows = db.session.scalars(select(model).where(column == complaint.id))
        changed += _rewrite(rows, identity, fields)
    for event in complaint.events:
        if event.data is not None:
            event.data = identity.scrub_json(event.data)
    # Webhook receipts hold provider ids; rewrite any that embed a contact handle.
    for literal in identity.addresses:
        receipts = select(InboundReceipt).where(InboundReceipt.external_id.contains(literal))
        for receipt in db.session.scalars(receipts):
            receipt.external_id = f"erased-{receipt.id}"
            changed += 1
    return changed


def _forget_support(reporter: Reporter, moment: datetime) -> int:
    """The person's "me too" on other complaints: their contact blanked, no more news.

    A supporter's contact is a reporters row of its own (not a complaint's
    reporter), found by the same handles as :func:`same_person` uses.
    """
    handles = _handles(reporter)
    if not handles:
        return 0
    rows = db.session.scalars(
        select(Reporter)
        .join(Supporter, Supporter.reporter_id == Reporter.id)
        .where(Reporter.erased_at.is_(None), Reporter.id != reporter.id, or_(*handles))
    ).all()
    for row in rows:
        row.name = row.phone = row.email = row.nik = row.telegram_chat_id = None
        row.erased_at = moment
    return len(rows)


def _handles(reporter: Reporter) -> list[Any]:
    """Conditions matching the reporters rows of the same person (never by name alone)."""
    return [
        column == value
        for column, value in (
            (Reporter.phone, reporter.phone),
            (Reporter.email, reporter.email),
            (Reporter.nik, reporter.nik),
            (Reporter.telegram_chat_id, reporter.telegram_chat_id),
        )
        if value
    ]


def _forget_conversations(identity: Identity) -> int:
    """Bot conversation state is only a draft in progress: drop it with the handle."""
    if not identity.addresses:
        return 0
    result = db.session.execute(
        delete(Conversation).where(
            or_(*(Conversation.address == address for address in identity.addresses))
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _rewrite(rows: Iterable[Any], identity: Identity, fields: tuple[str, ...]) -> int:
    changed = 0
    for row in rows:
        for field in fields:
            before = getattr(row, field)
            after = identity.scrub(before)
            if after != before:
                setattr(row, field, after)
                changed += 1
    return changed
