"""Inbound receipts: the ids of messages a channel has handled, so a redelivery changes nothing.

A receipt is added in the transaction that applies the message, so it exists
exactly when the message's effect was committed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import InboundReceipt


def receipt_seen(channel: str, external_id: str) -> bool:
    """Was the message with this id on ``channel`` handled already?"""
    found = db.session.scalar(
        select(InboundReceipt.id).where(
            InboundReceipt.channel == channel, InboundReceipt.external_id == external_id
        )
    )
    return found is not None


def remember_receipt(channel: str, external_id: str, now: datetime) -> None:
    """Add the message's receipt to the current transaction (once)."""
    if not receipt_seen(channel, external_id):
        db.session.add(InboundReceipt(channel=channel, external_id=external_id, received_at=now))
