"""Blocked senders, managed by admins (the per-number flood limit is ``flood``).

A blocked number's messages are answered with an empty TwiML response and
leave no trace: no receipt, no conversation, no complaint. The block
functions serve the admin page: they work in the caller's transaction (not
committed here), so the page adds its audit entry to the same commit.
"""

from __future__ import annotations

import logging

from flask_babel import gettext
from sqlalchemy import select

from complaints import clock
from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.intake import normalize_phone
from complaints.models import BlockedAddress, Channel, User

from .settings import WHATSAPP_PREFIX

logger = logging.getLogger(__name__)

_PHONE_CHANNELS = frozenset({Channel.SMS.value, Channel.WHATSAPP.value})


def normalize_address(channel: str, address: str) -> str:
    """The address as stored: E.164 for SMS and WhatsApp, trimmed text otherwise.

    Raises ValidationFailed for an unknown channel, an empty address or an
    invalid phone number, so an admin's typo never blocks nobody silently.
    """
    if channel not in {member.value for member in Channel}:
        raise ValidationFailed({"channel": gettext("Choose a channel.")})
    cleaned = address.strip()
    if channel in _PHONE_CHANNELS:
        phone = normalize_phone(cleaned.removeprefix(WHATSAPP_PREFIX))
        if phone is None:
            raise ValidationFailed({"address": gettext("This is not a valid phone number.")})
        return phone
    if not cleaned:
        raise ValidationFailed({"address": gettext("This field is required.")})
    return cleaned[:128]


def _find(channel: str, address: str) -> BlockedAddress | None:
    return db.session.scalar(
        select(BlockedAddress).where(
            BlockedAddress.channel == channel, BlockedAddress.address == address
        )
    )


def is_blocked(channel: str, address: str) -> bool:
    """True when an admin blocked this sender on this channel."""
    try:
        normalized = normalize_address(channel, address)
    except ValidationFailed:
        normalized = address.strip()  # e.g. a short code: compare it as Twilio sent it
    return _find(channel, normalized) is not None


def block_address(channel: str, address: str, reason: str, actor: User | None) -> BlockedAddress:
    """Refuse every further message from ``address`` on ``channel`` (idempotent; not committed).

    Blocking an already blocked sender updates the reason.
    """
    normalized = normalize_address(channel, address)
    blocked = _find(channel, normalized)
    if blocked is None:
        blocked = BlockedAddress(
            channel=channel,
            address=normalized,
            created_by_id=actor.id if actor is not None else None,
            created_at=clock.now(),
        )
        db.session.add(blocked)
    blocked.reason = reason.strip()[:500]
    logger.info(
        "%s blocked %s sender ...%s",
        actor.email if actor else "system",
        channel,
        normalized[-4:],
    )
    return blocked


def unblock_address(channel: str, address: str, actor: User | None) -> bool:
    """Accept messages from ``address`` again; False when it was not blocked (not committed)."""
    blocked = _find(channel, normalize_address(channel, address))
    if blocked is None:
        return False
    db.session.delete(blocked)
    logger.info(
        "%s unblocked %s sender ...%s",
        actor.email if actor else "system",
        channel,
        blocked.address[-4:],
    )
    return True


def blocked_addresses(channel: str | None = None) -> list[BlockedAddress]:
    """Blocked senders, newest first, for the admin page."""
    query = select(BlockedAddress).order_by(BlockedAddress.created_at.desc(), BlockedAddress.id)
    if channel is not None:
        query = query.where(BlockedAddress.channel == channel)
    return list(db.session.scalars(query))
