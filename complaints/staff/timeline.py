"""The complaint page's conversation: one timeline of what was said and done, in time order.

The citizen's report, public replies, internal notes, the citizen's messages
from any channel and every change, each as a sentence with who and when;
a message to the citizen carries its delivery state from the outbox (or
"channel off" when the channel that should carry it is not configured).
Built from the complaint's events, which hold every text said about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

import channels
from complaints import labels
from complaints.attachments import event_message, message_files
from complaints.extensions import db
from complaints.models import (
    Attachment,
    Complaint,
    ComplaintEvent,
    OutboundMessage,
    Status,
    Unit,
    User,
)
from complaints.notify import citizen_address

# The module that carries each outbound channel (WhatsApp goes through Twilio, like SMS).
_CARRIER = {"telegram": "telegram", "sms": "sms", "whatsapp": "sms"}
_CITIZEN_KINDS = {"citizen_message", "amend", "photos", "support", "rating"}


@dataclass(frozen=True)
class Entry:
    """One line of the timeline; ``style`` is report, reply, note, citizen or event."""

    id: int
    at: datetime
    style: str
    who: str
    sentence: str
    text: str | None = None
    internal: bool = False
    delivery: str | None = None
    delivery_failed: bool = False
    # Files staff attached to the reply, note or resolution this entry records.
    files: tuple[Attachment, ...] = ()


def live_channels() -> set[str]:
    """The outbound channels that can send now (their module is configured)."""
    on = {str(s["channel"]) for s in channels.channel_status(current_app) if s.get("configured")}
    return {channel for channel, carrier in _CARRIER.items() if carrier in on}


def citizen_reachable(complaint: Complaint) -> bool:
    """Whether a reply now reaches the citizen on a channel, not only the tracking page."""
    target = citizen_address(complaint)
    return target is not None and target[0] in live_channels()


def _outbox(complaint: Complaint) -> dict[str, OutboundMessage]:
    """The messages queued for the citizen, by key (``event-<id>``; staff copies left out)."""
    rows = db.session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.complaint_id == complaint.id, OutboundMessage.user_id.is_(None)
        )
    )
    return {row.key: row for row in rows}


def _delivery(message: OutboundMessage | None, live: set[str]) -> tuple[str | None, bool]:
    if message is None:
        return None, False
    state = labels.delivery_label(message.status, message.channel in live)
    sentence = gettext(
        "%(channel)s: %(state)s", channel=labels.channel_label(message.channel), state=state
    )
    return sentence, message.status == "failed" or message.channel not in live


def _style(event: ComplaintEvent) -> str:
    if event.kind == "status" and event.to_status == Status.RECEIVED:
        return "report"
    if event.kind == "note":
        return "note"
    if event.kind == "reply":
        return "reply"
    if event.actor_label == "citizen" or event.kind in _CITIZEN_KINDS:
        return "citizen"
    return "event"


@dataclass(frozen=True)
class _Context:
    """What the sentences name besides the event: staff, and units by id."""

    complaint: Complaint
    people: Mapping[int, User]
    units: Mapping[int, str]


def _unit_names(complaint: Complaint) -> dict[int, str]:
    """Unit names by id, read only when a move between units needs them (one small query)."""
    if not any(event.kind == "reroute" for event in complaint.events):
        return {}
    return dict(db.session.execute(select(Unit.id, Unit.name)).tuples().all())


def _routed_to(event: ComplaintEvent, context: _Context) -> str | None:
    """The unit a verification routed to: the one the first later move left, else today's."""
    later_moves = [
        e
        for e in context.complaint.events
        if e.kind == "reroute" and (e.at, e.id) > (event.at, event.id)
    ]
    if later_moves:
        first = min(later_moves, key=lambda e: (e.at, e.id))
        return context.units.get((first.data or {}).get("from") or 0)
    unit = context.complaint.unit
    return unit.name if unit else None


def _moved(event: ComplaintEvent, context: _Context) -> str:
    data = event.data or {}
    other = gettext("another unit")
    return gettext(
        "Moved from %(old)s to %(new)s",
        old=context.units.get(data.get("from") or 0, other),
        new=context.units.get(data.get("to") or 0, other),
    )


def _sentence(event: ComplaintEvent, context: _Context) -> str:
    """What happened, with who did it when a staff member did (and why, for a move)."""
    complaint, people = context.complaint, context.people
    routed_to = _routed_to(event, context) if event.to_status == Status.VERIFIED else None
    if event.kind == "status" and event.to_status == Status.VERIFIED and routed_to:
        what = gettext("Verified and routed to %(unit)s", unit=routed_to)
    elif event.kind == "reroute":
        what = _moved(event, context)
    elif event.kind == "status" and event.to_status == Status.RECEIVED:
        what = gettext("Report from the citizen via %(channel)s", channel=_channel(complaint))
    elif event.kind == "status" and event.to_status == Status.CLOSED and event.actor is None:
        what = gettext("Closed: the citizen confirmed it is resolved")
    elif event.kind == "citizen_message":
        channel = (event.data or {}).get("channel") or complaint.channel
        what = gettext(
            "Message from the citizen via %(channel)s", channel=labels.channel_label(channel)
        )
    else:
        what = labels.event_sentence(event, people)
    if event.actor is not None and event.kind not in ("note", "reply"):
        what = gettext("%(what)s by %(name)s", what=what, name=labels.person_name(event.actor))
    if event.kind == "reroute" and event.note:
        what = f"{what}: {event.note}"
    return what


def _who(event: ComplaintEvent, style: str) -> str:
    if style == "report" and event.actor is None:
        return gettext("The citizen")
    return labels.actor_name(event)


def _channel(complaint: Complaint) -> str:
    return labels.channel_label(complaint.channel)


def build(complaint: Complaint, people: Mapping[int, User]) -> list[Entry]:
    """Every event of ``complaint`` as a timeline entry, oldest first."""
    outbox = _outbox(complaint)
    live = live_channels()
    context = _Context(complaint, people, _unit_names(complaint))
    files = message_files(complaint)
    entries = []
    for event in sorted(complaint.events, key=lambda e: (e.at, e.id)):
        style = _style(event)
        delivery, failed = _delivery(outbox.get(f"event-{event.id}"), live)
        if style == "reply" and delivery is None:
            delivery = gettext("Not sent: the citizen reads it on the tracking page")
        text = complaint.description if style == "report" else event.note
        if event.kind == "reroute":
            text = None  # the reason is part of the sentence
        entries.append(
            Entry(
                id=event.id,
                at=event.at,
                style=style,
                who=_who(event, style),
                sentence=_sentence(event, context),
                text=text,
                internal=bool(event.note) and not event.public and style != "citizen",
                delivery=delivery,
                delivery_failed=failed,
                files=tuple(files.get(event_message(event) or 0, ())),
            )
        )
    return entries
