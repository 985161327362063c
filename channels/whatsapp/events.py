"""What Meta's webhook notifications mean for us.

A notification is ``{"object": "whatsapp_business_account", "entry": [{"changes":
[{"field": "messages", "value": {...}}]}]}``; each ``value`` may carry
``messages`` (from citizens; the sender's name in ``contacts``) and
``statuses`` (the fate of what we sent). Only values addressed to our own
phone number id (``metadata.phone_number_id``) are used.

- A text, photo (caption and image) or template quick-reply goes through the
  SMS/WhatsApp command layer (``channels.sms.commands``) exactly as a Twilio
  WhatsApp message, channel ``whatsapp``, transport ``cloud``; the wamid is its
  receipt (a redelivered notification changes nothing twice). Meta's webhook
  has no synchronous answer, so the answer is queued in the outbox for the
  Cloud API, keyed by the wamid.
- A location, or a reply button/list row we offered: ``choices``.
- Statuses (sent, delivered, read, failed): ``delivery``.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from channels.sms import commands
from channels.sms.inbound import MediaRef
from channels.sms.settings import current_settings as twilio_settings
from complaints.extensions import db
from complaints.intake import normalize_phone
from complaints.outbox import enqueue

from . import choices, delivery
from .incoming import CHANNEL, PROVIDER, Incoming
from .media import media_url

logger = logging.getLogger(__name__)


def _clean(value: object) -> str:
    return str(value).replace("\x00", "") if value is not None else ""


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_message(message: dict[str, Any]) -> Incoming | None:
    """One entry of ``value.messages``; None without an id or sender."""
    wamid, sender = _clean(message.get("id")).strip(), _clean(message.get("from")).strip()
    if not wamid or not sender:
        return None
    digits = sender.lstrip("+")
    phone = normalize_phone("+" + digits)
    address = (phone or digits)[:128]
    kind = _clean(message.get("type"))
    base = Incoming(wamid=wamid, address=address, phone=phone, kind=kind, body="")
    if kind == "text":
        return replace(base, body=_clean(_dict(message.get("text")).get("body")))
    if kind == "image":
        image = _dict(message.get("image"))
        media_id = _clean(image.get("id")).strip()
        mime = _clean(image.get("mime_type")).split(";")[0].strip().lower()
        refs = (MediaRef(media_url(media_id), mime),) if media_id else ()
        return replace(base, body=_clean(image.get("caption")), media=refs)
    if kind == "location":
        place = _dict(message.get("location"))
        try:
            lat, lon = float(place["latitude"]), float(place["longitude"])
        except (KeyError, TypeError, ValueError):
            return replace(base, body="")
        words = ", ".join(
            part for part in (_clean(place.get("name")), _clean(place.get("address"))) if part
        )
        return replace(base, body="", location=(lat, lon, words[:500]))
    if kind == "interactive":
        interactive = _dict(message.get("interactive"))
        reply = _dict(interactive.get("button_reply") or interactive.get("list_reply"))
        return replace(base, body=_clean(reply.get("title")), choice=_clean(reply.get("id")))
    if kind == "button":  # a quick-reply button of a template message: its text
        return replace(base, body=_clean(_dict(message.get("button")).get("text")))
    return replace(base, body="")  # audio, sticker, …: the help text answers


def handle_notification(document: object, phone_number_id: str | None) -> int:
    """Act on every message and status of a notification; the number of items handled."""
    handled = 0
    for entry in _dict(document).get("entry") or []:
        for change in _dict(entry).get("changes") or []:
            value = _dict(_dict(change).get("value"))
            metadata = _dict(value.get("metadata"))
            if phone_number_id and _clean(metadata.get("phone_number_id")) != phone_number_id:
                logger.info("ignoring a WhatsApp notification for another phone number")
                continue
            for raw in value.get("messages") or []:
                incoming = parse_message(_dict(raw))
                if incoming is not None:
                    receive(incoming)
                    handled += 1
            for status in value.get("statuses") or []:
                if delivery.record_status(_dict(status)):
                    handled += 1
    return handled


def receive(incoming: Incoming) -> None:
    """Hand one message to the command layer (or ``choices``) and queue the answer."""
    if incoming.location is not None or incoming.choice:
        text = choices.handle(incoming)
    else:
        replayed = choices.seen_before(incoming)
        text = commands.handle_inbound(incoming.command_message(), twilio_settings()).text
        if text and not replayed:
            answer(incoming, text)
            choices.offer(incoming)
            return
    if text:
        answer(incoming, text)


def answer(incoming: Incoming, text: str) -> None:
    try:
        enqueue(
            CHANNEL, incoming.address, text, f"wa-reply-{incoming.wamid}"[:128], transport=PROVIDER
        )
        db.session.commit()
    except IntegrityError:  # the same message, handled at once by another worker
        db.session.rollback()
        logger.info("answer to WhatsApp message %s was already queued", incoming.wamid)
