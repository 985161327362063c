"""A citizen's free text that answers staff: matched to the open complaint it belongs to.

Two ways to match, the explicit one first:

1. the citizen used Telegram's "reply" on a message the outbox delivered
   about an open complaint of theirs (its ``provider_message_id`` is the
   Telegram message id);
2. otherwise, the open complaint of this chat where staff wrote last: one
   with a public reply newer than the citizen's last inbound message.

Ids, not timestamps, order the messages: they grow with every insert, while
two messages can share a timestamp.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import ScalarSelect, Select, func, select

from complaints.extensions import db
from complaints.models import (
    OPEN_STATUSES,
    Complaint,
    Message,
    MessageKind,
    OutboundMessage,
    Reporter,
)
from complaints.workflow import receive_citizen_message

from .transport import CHANNEL

logger = logging.getLogger(__name__)


def _open_complaints_of_chat(chat_id: int) -> Select[tuple[Complaint]]:
    return (
        select(Complaint)
        .join(Reporter, Complaint.reporter_id == Reporter.id)
        .where(
            Reporter.telegram_chat_id == str(chat_id),
            Reporter.erased_at.is_(None),
            Complaint.status.in_([status.value for status in OPEN_STATUSES]),
        )
    )


def _replied_to(chat_id: int, replied_message_id: int) -> Complaint | None:
    complaint_id = db.session.scalar(
        select(OutboundMessage.complaint_id).where(
            OutboundMessage.channel == CHANNEL,
            OutboundMessage.address == str(chat_id),
            OutboundMessage.provider_message_id == str(replied_message_id),
        )
    )
    if complaint_id is None:
        return None
    return db.session.scalar(_open_complaints_of_chat(chat_id).where(Complaint.id == complaint_id))


def _last_message_id(kind: MessageKind) -> ScalarSelect[Any]:
    return (
        select(func.max(Message.id))
        .where(Message.complaint_id == Complaint.id, Message.kind == kind.value)
        .correlate(Complaint)
        .scalar_subquery()
    )


def _awaiting_answer(chat_id: int) -> Complaint | None:
    last_reply = _last_message_id(MessageKind.PUBLIC_REPLY)
    last_inbound = _last_message_id(MessageKind.INBOUND)
    return db.session.scalar(
        _open_complaints_of_chat(chat_id)
        .where(last_reply.is_not(None))
        .where((last_inbound.is_(None)) | (last_reply > last_inbound))
        .order_by(last_reply.desc())
        .limit(1)
    )


def complaint_awaiting_answer(chat_id: int, replied_message_id: int | None) -> Complaint | None:
    """The open complaint this chat's free text answers, or None if it answers none."""
    if replied_message_id is not None:
        complaint = _replied_to(chat_id, replied_message_id)
        if complaint is not None:
            return complaint
    return _awaiting_answer(chat_id)


def record_answer(complaint: Complaint, body: str) -> Message:
    """Store the citizen's answer as an inbound message with its event (caller commits)."""
    message = receive_citizen_message(complaint, body, CHANNEL)
    logger.info("citizen answered on complaint %s via telegram", complaint.code)
    return message
