"""Outbound messages: enqueued in the caller's transaction, delivered later.

A row exists exactly when the change that caused it committed. Delivery
(with retries and backoff) is done by a worker that claims due rows.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from . import clock
from .extensions import db
from .models import OutboundMessage, OutboxStatus

logger = logging.getLogger(__name__)


def enqueue(
    channel: str,
    address: str,
    body: str,
    key: str,
    *,
    complaint_id: int | None = None,
    user_id: int | None = None,
) -> OutboundMessage:
    """Add a message to the outbox in the current transaction (not committed here).

    ``key`` identifies the logical message: enqueueing the same key twice in
    one transaction or across retries of the same change yields one row.
    """
    existing = db.session.scalar(select(OutboundMessage).where(OutboundMessage.key == key))
    if existing is not None:
        return existing
    message = OutboundMessage(
        key=key,
        channel=channel,
        address=address,
        body=body,
        complaint_id=complaint_id,
        user_id=user_id,
        status=OutboxStatus.PENDING.value,
        next_attempt_at=clock.now(),
    )
    db.session.add(message)
    logger.debug("queued %s message %s", channel, key)
    return message
