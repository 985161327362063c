"""What the gateway's webhook events mean for us.

An event is JSON: ``{"id", "event", "deviceId", "webhookId", "payload"}``.
``id`` is the event's own id, unique per delivery attempt series (the
gateway retries a failed delivery with the same id); the payload's
``messageId`` is not unique across phones, so an incoming SMS is
remembered by the event id.

- ``sms:received`` (``messageId, message, phoneNumber, simNumber,
  receivedAt``): the SMS command layer (``channels.sms.commands``) handles
  it exactly as one from Twilio — blocklist, flood limit, joining window,
  commands — with ``transport="smsgate"``. The gateway has no synchronous
  answer like TwiML, so the answer is queued in the outbox for the same
  transport, keyed by the event id (a replayed event queues it once).
- ``mms:downloaded`` (``messageId, phoneNumber, sender, receivedAt,
  attachments``, optionally ``body``): the same command layer, its text
  read as an SMS's and its attachments as photos (``mms``), remembered by
  the event id too.
- ``sms:sent`` / ``sms:delivered`` / ``sms:failed``: ``delivery``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from channels.sms import commands
from channels.sms.inbound import InboundMessage
from channels.sms.settings import current_settings as twilio_settings
from complaints.extensions import db
from complaints.intake import normalize_phone
from complaints.models import Transport
from complaints.outbox import enqueue

from . import delivery, mms

logger = logging.getLogger(__name__)

PROVIDER = Transport.SMS_GATEWAY.value
# Twilio's MessageSids and the gateway's event ids share the receipts of channel "sms".
RECEIPT_PREFIX = "smsgate:"


@dataclass(frozen=True)
class GatewayEvent:
    """One webhook request, parsed; None from :meth:`parse` when it is not an event."""

    id: str
    event: str
    payload: dict[str, Any]

    @classmethod
    def parse(cls, document: object) -> GatewayEvent | None:
        if not isinstance(document, dict):
            return None
        event_id, event, payload = (
            document.get("id"),
            document.get("event"),
            document.get("payload"),
        )
        if not isinstance(event_id, str) or not event_id.strip() or not isinstance(event, str):
            return None
        if not isinstance(payload, dict):
            return None
        return cls(id=event_id.strip(), event=event, payload=payload)

    def text(self, name: str) -> str:
        """A payload field as text, without NUL characters (no database column takes them)."""
        value = self.payload.get(name)
        return str(value).replace("\x00", "") if value is not None else ""


def inbound_message(event: GatewayEvent) -> InboundMessage | None:
    """The command layer's message for an ``sms:received`` event; None without a sender."""
    sender = event.text("phoneNumber").strip()
    if not sender:
        return None
    phone = normalize_phone(sender)
    return InboundMessage(
        sid=(RECEIPT_PREFIX + event.id)[:128],
        channel="sms",
        address=(phone or sender)[:128],
        phone=phone,
        body=event.text("message"),
        transport=PROVIDER,
    )


def mms_message(event: GatewayEvent) -> tuple[InboundMessage, dict[str, bytes]] | None:
    """The command layer's message for an ``mms:downloaded`` event, and its inline bytes."""
    payload = mms.parse_payload(event.payload)
    sender = str(payload.phone_number or "").replace("\x00", "").strip() if payload else ""
    if payload is None or not sender:
        return None
    phone = normalize_phone(sender)
    media, inline = mms.media_of(payload)
    message = InboundMessage(
        sid=(RECEIPT_PREFIX + event.id)[:128],
        channel="sms",
        address=(phone or sender)[:128],
        phone=phone,
        body=str(payload.body or "").replace("\x00", ""),
        media=media,
        transport=PROVIDER,
    )
    return message, inline


def handle(event: GatewayEvent) -> bool:
    """Act on one event; False when it is one we do not handle (or is malformed)."""
    if event.event == "sms:received":
        message = inbound_message(event)
        if message is None:
            return False
        receive(message, event.id)
        return True
    if event.event == mms.EVENT:
        parsed = mms_message(event)
        if parsed is None:
            return False
        message, inline = parsed
        with mms.inline_parts(inline):
            receive(message, event.id)
        return True
    if event.event in delivery.EVENT_STATUSES:
        delivery.record_state(
            event.event, event.text("messageId"), event.text("reason").strip() or None
        )
        return True
    return False


def receive(message: InboundMessage, event_id: str) -> None:
    """Hand the SMS to the command layer and queue its answer back through the phone."""
    reply = commands.handle_inbound(message, twilio_settings())
    if not reply.text:
        return
    try:
        enqueue(
            "sms",
            message.address,
            reply.text,
            f"smsgate-reply-{event_id}"[:128],
            transport=PROVIDER,
        )
        db.session.commit()
    except IntegrityError:  # the same event, handled at once by another worker
        db.session.rollback()
        logger.info("answer to gateway event %s was already queued", event_id)
