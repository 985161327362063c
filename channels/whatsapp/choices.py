"""What only WhatsApp can ask: reply buttons, list rows and shared locations.

The Cloud API lets us offer choices as taps instead of words:

- after a complaint whose words matched no category (filed as "Lainnya"),
  a list message of the active categories (Meta allows at most 10 rows,
  24 characters a title, 20 for the list's button): the row chosen sets the
  complaint's category while it is still received;
- after a bare LAPOR, while the command layer collects the details, three
  reply buttons (Meta's maximum) for the privacy choices the words
  ``ANONIM``/``RAHASIA`` set on SMS: anonymous, confidential, neither.

On Twilio's WhatsApp and SMS nothing changes: the category is guessed from
the words and privacy is chosen by those words (the plain-text way).

A shared location (pin) sets the latitude, longitude and place name of the
sender's latest complaint while it is still received.

Each reply is remembered by its wamid (``inbound_receipts``), in the same
transaction as what it changed, so a redelivered notification changes
nothing twice. The offers themselves go out at once (they make sense only
now); one that fails is logged and the text conversation goes on.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import select

from channels.receipts import receipt_seen
from channels.sms.conversation import Mode, lock_sender
from complaints import clock, workflow
from complaints.categories import active_categories
from complaints.codes import complaint_by_code
from complaints.extensions import db
from complaints.models import Category, Complaint, Conversation, InboundReceipt, Status
from complaints.outbox import DeliveryError, transport_for
from complaints.workflow import Actor

from .incoming import CHANNEL, RECEIPT_PREFIX, Incoming

logger = logging.getLogger(__name__)

MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_BUTTON_TITLE = 20
CATEGORY_PREFIX = "category:"
PRIVACY_PREFIX = "privacy:"
FALLBACK_CATEGORY = "other"
PRIVACY_OPTIONS = ("anonymous", "confidential", "none")


def _receipt_id(incoming: Incoming) -> str:
    return (RECEIPT_PREFIX + incoming.wamid)[:128]


def _seen(incoming: Incoming) -> bool:
    return receipt_seen("whatsapp", _receipt_id(incoming))


def seen_before(incoming: Incoming) -> bool:
    """Was this wamid handled already (a redelivered notification)?"""
    try:
        return _seen(incoming)
    finally:
        db.session.rollback()


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _name(category: Category, locale: str) -> str:
    return category.name_en if locale == "en" else category.name_id


# --- offers ---


def _send_now(payload: dict[str, Any]) -> None:
    sender = transport_for("whatsapp", "cloud")
    post = getattr(sender, "post", None)
    if post is None:
        return
    try:
        post(payload)
    except DeliveryError as error:
        logger.warning("could not offer WhatsApp choices: %s", error)


def _interactive(to: str, interactive: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "interactive",
        "interactive": interactive,
    }


def category_list(complaint: Complaint, categories: list[Category]) -> dict[str, Any]:
    """The list message offering the categories for ``complaint`` (at most ten rows)."""
    locale = complaint.locale or "id"
    with force_locale(locale):
        body = gettext(
            "Which kind of problem is complaint %(code)s? Choose it, or skip this: "
            "the office will sort it.",
            code=complaint.code,
        )
        button = gettext("Choose a category")
    rows = [
        {
            "id": f"{CATEGORY_PREFIX}{category.code}:{complaint.code}"[:200],
            "title": _short(
                category.name_en if locale == "en" else category.name_id, MAX_ROW_TITLE
            ),
        }
        for category in categories[:MAX_ROWS]
    ]
    return {
        "type": "list",
        "body": {"text": body},
        "action": {"button": _short(button, MAX_BUTTON_TITLE), "sections": [{"rows": rows}]},
    }


def privacy_buttons(locale: str) -> dict[str, Any]:
    """Three reply buttons: anonymous, confidential, neither."""
    with force_locale(locale):
        body = gettext(
            "Should we hide your name from the office (anonymous) or the report from the "
            "public (confidential)? Then send the details."
        )
        titles = (gettext("Anonymous"), gettext("Confidential"), gettext("Neither"))
    return {
        "type": "button",
        "body": {"text": body},
        "action": {
            "buttons": [
                {
                    "type": "reply",
                    "reply": {
                        "id": PRIVACY_PREFIX + option,
                        "title": _short(title, MAX_BUTTON_TITLE),
                    },
                }
                for option, title in zip(PRIVACY_OPTIONS, titles, strict=True)
            ]
        },
    }


def offer(incoming: Incoming) -> None:
    """After the command layer answered a new message: offer what it could not ask."""
    try:
        conversation = db.session.scalar(
            select(Conversation).where(
                Conversation.channel == CHANNEL, Conversation.address == incoming.address
            )
        )
        payload = None
        data = (conversation.data or {}) if conversation is not None else {}
        if conversation is not None and conversation.state == Mode.COLLECTING.value:
            if data.get("external_id") == RECEIPT_PREFIX + incoming.wamid:
                payload = privacy_buttons(data.get("locale") or "id")
        else:
            complaint = db.session.scalar(
                select(Complaint).where(
                    Complaint.channel == CHANNEL,
                    Complaint.external_id == RECEIPT_PREFIX + incoming.wamid,
                )
            )
            categories = active_categories()
            if (
                complaint is not None
                and complaint.category.code == FALLBACK_CATEGORY
                and len(categories) > 1
            ):
                payload = category_list(complaint, categories)
    finally:
        db.session.rollback()
    if payload is not None:
        _send_now(_interactive(incoming.address, payload))


# --- answers ---


def handle(incoming: Incoming, now: datetime | None = None) -> str | None:
    """A location or a tapped choice: apply it; the answer to queue (None: nothing to say)."""
    moment = now or clock.now()
    sender = lock_sender("whatsapp", incoming.address)
    if _seen(incoming):
        db.session.rollback()
        return None
    sender.transport = sender.row.transport = "cloud"
    sender.row.last_inbound_at = moment
    locale = sender.locale or "id"
    if incoming.choice and incoming.choice.startswith(PRIVACY_PREFIX):
        text = _privacy(sender, incoming.choice.removeprefix(PRIVACY_PREFIX), locale, moment)
    elif incoming.choice and incoming.choice.startswith(CATEGORY_PREFIX):
        text = _category(incoming, incoming.choice.removeprefix(CATEGORY_PREFIX), locale, moment)
    elif incoming.location is not None:
        text = _location(incoming, sender.external_id, locale, moment)
    else:
        text = None
    sender.save()
    db.session.add(
        InboundReceipt(channel="whatsapp", external_id=_receipt_id(incoming), received_at=moment)
    )
    workflow.commit()
    return text


def _privacy(sender: Any, option: str, locale: str, now: datetime) -> str:
    with force_locale(locale):
        if not sender.collecting(now):
            return gettext("That choice came too late: send REPORT <complaint> to start again.")
        if option in ("anonymous", "confidential"):
            sender.privacy = sorted({*sender.privacy, option})
        elif option == "none":
            sender.privacy = []
        return gettext("Noted. Now send the details of your complaint.")


def _own_complaint(incoming: Incoming, code: str) -> Complaint | None:
    complaint = complaint_by_code(code)
    if complaint is None or complaint.channel != "whatsapp":
        return None
    reporter = complaint.reporter
    if reporter is None or reporter.phone != incoming.phone:
        return None
    return complaint


def _category(incoming: Incoming, choice: str, locale: str, now: datetime) -> str:
    category_code, _, code = choice.partition(":")
    complaint = _own_complaint(incoming, code)
    category = db.session.scalar(
        select(Category).where(Category.code == category_code, Category.active.is_(True))
    )
    with force_locale(locale):
        if complaint is None or category is None:
            return gettext("That choice is no longer available.")
        if complaint.status != Status.RECEIVED:
            return gettext(
                "Complaint %(code)s is already being handled; the office chose its category.",
                code=complaint.code,
            )
        old = complaint.category
        if complaint.unit_id == old.default_unit_id and category.default_unit_id is not None:
            complaint.unit_id = category.default_unit_id
        complaint.category = category
        complaint.category_id = category.id
        complaint.updated_at = now
        name = _name(category, locale)
        workflow.record_event(
            complaint,
            Actor.citizen(),
            "amend",
            note=gettext("Category: %(name)s", name=name),
            data={"channel": "whatsapp", "message_sid": incoming.wamid, "category": category.code},
            now=now,
        )
        return gettext("Category of %(code)s: %(name)s.", code=complaint.code, name=name)


def _location(incoming: Incoming, external_id: str | None, locale: str, now: datetime) -> str:
    assert incoming.location is not None
    lat, lon, words = incoming.location
    complaint = (
        db.session.scalar(
            select(Complaint).where(
                Complaint.channel == "whatsapp", Complaint.external_id == external_id
            )
        )
        if external_id
        else None
    )
    with force_locale(locale):
        if complaint is None or complaint.status != Status.RECEIVED:
            return gettext(
                "Send your complaint first (REPORT <complaint>), then share the location."
            )
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return gettext("That location could not be read; please share it again.")
        complaint.lat, complaint.lon = lat, lon
        if words and not complaint.address:
            complaint.address = words
        complaint.updated_at = now
        workflow.record_event(
            complaint,
            Actor.citizen(),
            "amend",
            note=gettext("Location: %(place)s", place=words or f"{lat:.5f}, {lon:.5f}"),
            data={"channel": "whatsapp", "message_sid": incoming.wamid},
            now=now,
        )
        return gettext("Location added to complaint %(code)s.", code=complaint.code)
