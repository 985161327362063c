"""Per-sender state of the SMS channel, kept in the ``conversations`` table.

One row per (channel, phone number) holds:

- the *joining window*: after ``LAPOR <text>`` files a complaint, text
  without a command that arrives from the same number within
  ``JOIN_WINDOW`` of the previous part is appended to it (a long complaint
  sent as several SMS), and the photos of such a part are attached (a
  WhatsApp photo comes as its own message); each part slides the window on;
- the *collecting window*: ``LAPOR`` with too little text (or nothing)
  asks for the details, and the next message within ``COLLECT_WINDOW``
  completes it;
- the sender's language, once a command word gave it away.

The row is read with ``SELECT … FOR UPDATE`` (on PostgreSQL), so two parts
of one complaint processed by two workers at once are handled one after the
other, and the second sees the window the first opened. Everything a
message changes is committed in one transaction with its InboundReceipt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from complaints.extensions import db
from complaints.models import Conversation

from .inbound import MediaRef
from .segments import MULTI_GSM7, MULTI_UCS2, SINGLE_GSM7, SINGLE_UCS2, count_segments

JOIN_WINDOW = timedelta(minutes=2)
COLLECT_WINDOW = timedelta(minutes=15)
# Lengths of a text that filled its SMS to the last character: a phone that
# split one long text into separate messages cut it there, maybe mid-word.
_FULL_LENGTHS = frozenset({SINGLE_GSM7, MULTI_GSM7, SINGLE_UCS2, MULTI_UCS2})


class Mode(enum.StrEnum):
    IDLE = "idle"
    COLLECTING = "collecting"  # LAPOR without enough text: waiting for the details
    APPENDING = "appending"  # complaint filed: further parts join its description


@dataclass
class SenderState:
    """The decoded ``conversations`` row of one sender (write back with :meth:`save`)."""

    row: Conversation
    mode: Mode = Mode.IDLE
    until: datetime | None = None
    external_id: str | None = None  # MessageSid of the LAPOR that opened the window
    text: str = ""  # collected so far (collecting mode)
    media: list[MediaRef] = field(default_factory=list)
    privacy: list[str] = field(default_factory=list)  # "anonymous", "confidential" (collecting)
    locale: str | None = None
    cut_mid_word: bool = False
    transport: str | None = None  # the provider of the sender's latest message
    # When this message came (WhatsApp's 24-hour window counts from it); written by save(),
    # with the rest of the state, so handling the message takes no write lock before it must.
    inbound_at: datetime | None = None

    @classmethod
    def decode(cls, row: Conversation) -> SenderState:
        data: dict[str, Any] = dict(row.data or {})
        try:
            mode = Mode(row.state)
        except ValueError:
            mode = Mode.IDLE
        return cls(
            row=row,
            mode=mode,
            until=_instant(data.get("until")),
            external_id=data.get("external_id"),
            text=data.get("text", ""),
            media=[MediaRef(url, kind) for url, kind in data.get("media", [])],
            privacy=[str(choice) for choice in data.get("privacy", [])],
            locale=data.get("locale"),
            cut_mid_word=bool(data.get("cut_mid_word", False)),
            transport=row.transport,
        )

    def save(self) -> None:
        """Write the state back to the row (a new dict: JSON columns do not track mutation)."""
        self.row.state = self.mode.value
        if self.row.transport != self.transport:
            self.row.transport = self.transport
        if self.inbound_at is not None:
            self.row.last_inbound_at = self.inbound_at
        self.row.data = {
            "until": self.until.isoformat() if self.until else None,
            "external_id": self.external_id,
            "text": self.text,
            "media": [[ref.url, ref.content_type] for ref in self.media],
            "privacy": self.privacy,
            "locale": self.locale,
            "cut_mid_word": self.cut_mid_word,
        }

    def window_open(self, now: datetime) -> bool:
        return self.mode != Mode.IDLE and self.until is not None and now < self.until

    def collecting(self, now: datetime) -> bool:
        return self.mode == Mode.COLLECTING and self.window_open(now)

    def appending(self, now: datetime) -> bool:
        return self.mode == Mode.APPENDING and self.window_open(now)

    def start_collecting(
        self,
        external_id: str,
        text: str,
        media: list[MediaRef],
        privacy: frozenset[str],
        raw_body: str,
        now: datetime,
    ) -> None:
        self.mode = Mode.COLLECTING
        self.external_id = external_id
        self.text = text
        self.media = media
        self.privacy = sorted(privacy)
        self.cut_mid_word = ends_mid_word(raw_body)
        self.until = now + COLLECT_WINDOW

    def start_appending(self, external_id: str, raw_body: str, now: datetime) -> None:
        self.mode = Mode.APPENDING
        self.external_id = external_id
        self.text = ""
        self.media = []
        self.cut_mid_word = ends_mid_word(raw_body)
        self.until = now + JOIN_WINDOW

    def next_part(self, raw_body: str, now: datetime) -> None:
        """Another part arrived: the window slides on from it."""
        self.cut_mid_word = ends_mid_word(raw_body)
        self.until = now + (JOIN_WINDOW if self.mode == Mode.APPENDING else COLLECT_WINDOW)

    def close(self) -> None:
        self.mode = Mode.IDLE
        self.until = None
        self.external_id = None
        self.text = ""
        self.media = []

    def joiner(self, next_raw_body: str) -> str:
        """What goes between the previous part and the next: nothing when a word was cut."""
        if self.cut_mid_word and next_raw_body[:1] and not next_raw_body[0].isspace():
            return ""
        return " "


def ends_mid_word(raw_body: str) -> bool:
    """True when a message fills its SMS to the last unit and ends inside a word.

    A phone that splits a long text into separate messages cuts it at the
    segment boundary, wherever that falls; such a part is glued to the next.
    """
    if not raw_body or raw_body[-1].isspace():
        return False
    return count_segments(raw_body).units in _FULL_LENGTHS


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _query(channel: str, address: str) -> Any:
    return (
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.address == address)
        .with_for_update()
    )


def lock_sender(channel: str, address: str) -> SenderState:
    """The sender's state, locked for this transaction (created on the first message)."""
    row = db.session.scalar(_query(channel, address))
    if row is None:
        db.session.add(Conversation(channel=channel, address=address, state=Mode.IDLE.value))
        try:
            db.session.commit()
        except IntegrityError:  # another worker created it first: use theirs
            db.session.rollback()
        row = db.session.scalar(_query(channel, address))
        assert row is not None
    return SenderState.decode(row)
