"""Complaints from the IMAP mailbox (``flask mail poll`` and the scheduler's ``mail-poll`` job).

Each unseen mail in ``IMAP_FOLDER`` is read with imap-tools, without
marking it (``BODY.PEEK``), and handled in its own transaction:

- an auto-reply or a bounce (``Auto-Submitted``, ``X-Autoreply``,
  ``Precedence: bulk/auto_reply/list``, an empty ``Return-Path``, a
  ``multipart/report`` delivery status, a MAILER-DAEMON sender) files nothing;
- a reply to one of our notices — its code in the subject, or
  ``In-Reply-To``/``References`` naming a Message-ID we sent — from the
  complaint's own reporter becomes the citizen's message on that complaint;
- anything else files a complaint on channel ``email``: the sender's address
  and display name, the subject as its title, the text (the text part, else
  the HTML as text) with signatures and quoted replies trimmed, and the photo
  attachments that pass the web form's checks.

Every mail handled leaves a receipt (``inbound_receipts``, channel ``email``,
its Message-ID) in the same commit, so the same mail read twice files once.
Only after that commit is the mail flagged Seen: a poll cut short leaves it
unseen, to be handled (or found in the receipts) next time. One process reads
the mailbox at a time: a lease row in ``inbound_receipts`` is claimed first.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import Any, cast

from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessage, MailMessageFlags
from imap_tools.mailbox import BaseMailBox
from sqlalchemy import insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from channels.receipts import receipt_seen, remember_receipt
from channels.sms.category_guess import guess_category
from complaints import clock, workflow
from complaints.attachments import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    NewAttachment,
    add_photos,
    image_content_type,
)
from complaints.codes import complaint_by_code
from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.intake import MIN_DESCRIPTION, Contact, submit_complaint
from complaints.models import Channel, Complaint, InboundReceipt, OutboundMessage
from complaints.workflow import Actor

from .settings import MailSettings, current_settings

logger = logging.getLogger(__name__)

CHANNEL = Channel.EMAIL.value
POLL_LEASE_CHANNEL = "email-poll"
POLL_LEASE_ID = "lease"
LEASE = timedelta(minutes=10)
PER_POLL = 50  # mails handled per poll, well within the lease
TIMEOUT = 30.0

_CODE_IN_SUBJECT = re.compile(r"\bAD[UO][\s\-_.]*[0-9A-Z]{4}[\s\-_.]*[0-9A-Z]{4}\b", re.I)
_MESSAGE_IDS = re.compile(r"<[^<>\s]+>")
_SIGNATURE_START = re.compile(
    r"^(--\s*|—|Dikirim dari\b.*|Sent from my\b.*|Get Outlook for\b.*)$", re.I
)
_QUOTE_HEADER = re.compile(r"^(Pada|On)\b.*\b(menulis|wrote)\s*:\s*$", re.I)
_ORIGINAL_MESSAGE = re.compile(r"^-{2,}\s*(Original Message|Pesan Asli|Forwarded message)", re.I)


_SUMMARY_FIELDS = {
    "filed": "filed",
    "reply": "replies",
    "ignored": "ignored",
    "duplicate": "duplicates",
}


@dataclass
class PollSummary:
    filed: int = 0
    replies: int = 0
    ignored: int = 0
    duplicates: int = 0
    failed: int = 0


# --- reading a mail ---------------------------------------------------------------------


def _header(message: MailMessage, name: str) -> str:
    values = message.headers.get(name.lower(), ())
    return " ".join(str(value) for value in values).strip()


def is_automatic(message: MailMessage) -> bool:
    """An auto-reply, a bounce or list mail: never a citizen's complaint."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return True
    if _header(message, "Precedence").lower() in ("bulk", "auto_reply", "list", "junk"):
        return True
    if "return-path" in message.headers and _header(message, "Return-Path") in ("<>", ""):
        return True
    content_type = message.obj.get_content_type()
    if content_type == "multipart/report":
        return True
    sender = (message.from_ or "").lower()
    local = sender.partition("@")[0]
    return local in ("mailer-daemon", "postmaster") or sender == ""


class _TextOfHtml(HTMLParser):
    """The words of an HTML part, paragraphs and line breaks kept, scripts and styles dropped."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(self._skip - 1, 0)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def trimmed(text: str) -> str:
    """The citizen's own words: signature, quoted reply and what follows them cut off."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if line.rstrip("\n") in ("-- ", "--") or _SIGNATURE_START.match(stripped):
            break
        if _ORIGINAL_MESSAGE.match(stripped):
            break
        joined = stripped + (" " + lines[index + 1].strip() if index + 1 < len(lines) else "")
        if _QUOTE_HEADER.match(stripped) or (
            re.match(r"^(Pada|On)\b", stripped, re.I) and _QUOTE_HEADER.match(joined)
        ):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def body_of(message: MailMessage) -> str:
    """The text part, else the HTML part as text; trimmed."""
    text = message.text or ""
    if not text.strip() and message.html:
        text = html_to_text(message.html)
    return trimmed(text)


def photos_of(message: MailMessage) -> list[NewAttachment]:
    """The attachments that are photos the web form would take (others are left out)."""
    photos = []
    for attachment in message.attachments:
        content = attachment.payload
        if len(content) > MAX_PHOTO_BYTES or image_content_type(content) is None:
            continue
        photos.append(
            NewAttachment(attachment.filename or "foto", content, attachment.content_type)
        )
    return photos[:MAX_PHOTOS]


def message_id_of(message: MailMessage) -> str:
    """The mail's Message-ID as stored in receipts (a hash when long or missing)."""
    found = _MESSAGE_IDS.search(_header(message, "Message-ID"))
    if found and len(found.group(0)) <= 128:
        return found.group(0)
    raw = found.group(0) if found else message.obj.as_bytes()
    digest = hashlib.sha256(raw.encode() if isinstance(raw, str) else raw).hexdigest()
    return f"sha256:{digest}"


# --- handling a mail ----------------------------------------------------------------------


def _seen(external_id: str) -> bool:
    return receipt_seen(CHANNEL, external_id)


def _remember(external_id: str) -> None:
    remember_receipt(CHANNEL, external_id, clock.now())


def replied_complaint(message: MailMessage, sender: str) -> Complaint | None:
    """The complaint this mail answers, when it comes from that complaint's reporter."""
    candidates: list[Complaint] = []
    found = _CODE_IN_SUBJECT.search(message.subject or "")
    if found:
        complaint = complaint_by_code(found.group(0))
        if complaint is not None:
            candidates.append(complaint)
    referenced = _MESSAGE_IDS.findall(
        _header(message, "In-Reply-To") + " " + _header(message, "References")
    )
    if referenced:
        complaint_id = db.session.scalar(
            select(OutboundMessage.complaint_id)
            .where(
                OutboundMessage.channel == CHANNEL,
                OutboundMessage.provider_message_id.in_(referenced[-20:]),
                OutboundMessage.complaint_id.is_not(None),
            )
            .limit(1)
        )
        if complaint_id is not None:
            complaint = db.session.get(Complaint, complaint_id)
            if complaint is not None:
                candidates.append(complaint)
    for complaint in candidates:
        reporter = complaint.reporter
        # Only its reporter adds to a complaint: a code in a stranger's subject files anew.
        if reporter is not None and (reporter.email or "").lower() == sender.lower():
            return complaint
    return None


def _add_reply(complaint: Complaint, message: MailMessage, external_id: str, text: str) -> None:
    now = clock.now()
    photos = photos_of(message)
    if text:
        workflow.receive_citizen_message(
            complaint, text, CHANNEL, data={"message_id": external_id}, now=now
        )
    if photos:
        try:
            added = add_photos(complaint, photos, now=now)
        except ValidationFailed as failure:  # photos_of checked them: not expected
            logger.warning("photos of a mail refused: %s", failure.fields)
            added = 0
        if added:
            complaint.updated_at = now
            workflow.record_event(
                complaint,
                Actor.citizen(),
                "photos",
                data={"channel": CHANNEL, "count": added},
                now=now,
            )
    _remember(external_id)
    workflow.commit()


def _file(message: MailMessage, external_id: str, sender: str, text: str) -> bool:
    """File a complaint from the mail; False when it has too little to file."""
    subject = " ".join((message.subject or "").split())[:300] or None
    description = text
    if len(description) < MIN_DESCRIPTION and subject:
        description = f"{subject}\n\n{text}".strip()
    if len(description) < MIN_DESCRIPTION:
        return False
    name = (message.from_values.name if message.from_values else "") or None
    _remember(external_id)
    try:
        result = submit_complaint(
            channel=CHANNEL,
            category=guess_category(description),
            description=description,
            contact=Contact(name=name, email=sender),
            external_id=external_id,
            photos=photos_of(message),
        )
    except ValidationFailed as failure:
        db.session.rollback()
        logger.warning("a mail could not be filed: %s", sorted(failure.fields))
        return False
    if result.created and subject:
        result.complaint.title = subject
    _remember(external_id)  # again: a retried intake rolled back what we had added
    db.session.commit()
    return result.created


def handle(message: MailMessage) -> str:
    """Handle one mail; return what it was: filed, reply, ignored or duplicate. Commits."""
    external_id = message_id_of(message)
    if _seen(external_id):
        return "duplicate"
    sender = parseaddr(message.from_ or "")[1]
    if is_automatic(message) or "@" not in sender:
        _remember(external_id)
        db.session.commit()
        logger.info("an automatic mail (auto-reply or bounce) ignored")
        return "ignored"
    text = body_of(message)
    complaint = replied_complaint(message, sender)
    if complaint is not None:
        _add_reply(complaint, message, external_id, text)
        logger.info("a mail added to complaint %s", complaint.code)
        return "reply"
    if _file(message, external_id, sender, text):
        return "filed"
    _remember(external_id)
    db.session.commit()
    return "ignored"


# --- reading the mailbox ----------------------------------------------------------------

_FREE = datetime(2000, 1, 1, tzinfo=UTC)


def _claim(now: datetime) -> bool:
    """Take the mailbox for ``LEASE`` unless another process holds it."""
    lease = (InboundReceipt.channel == POLL_LEASE_CHANNEL) & (
        InboundReceipt.external_id == POLL_LEASE_ID
    )
    if db.session.scalar(select(InboundReceipt.id).where(lease)) is None:
        try:
            db.session.execute(
                insert(InboundReceipt).values(
                    channel=POLL_LEASE_CHANNEL, external_id=POLL_LEASE_ID, received_at=_FREE
                )
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(InboundReceipt)
            .where(lease, InboundReceipt.received_at < now)
            .values(received_at=now + LEASE)
            .execution_options(synchronize_session=False)
        ),
    )
    db.session.commit()
    return result.rowcount == 1


def _release() -> None:
    db.session.rollback()
    db.session.execute(
        update(InboundReceipt)
        .where(
            InboundReceipt.channel == POLL_LEASE_CHANNEL,
            InboundReceipt.external_id == POLL_LEASE_ID,
        )
        .values(received_at=_FREE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _mailbox(settings: MailSettings) -> BaseMailBox:
    assert settings.imap_host is not None
    if settings.imap_ssl:
        return MailBox(settings.imap_host, settings.imap_port, timeout=TIMEOUT)
    return MailBoxUnencrypted(settings.imap_host, settings.imap_port, timeout=TIMEOUT)


def poll(settings: MailSettings) -> PollSummary | None:
    """Read the unseen mail once; None when another process holds the mailbox."""
    if not _claim(clock.now()):
        return None
    summary = PollSummary()
    try:
        assert settings.imap_username is not None and settings.imap_password is not None
        with _mailbox(settings).login(
            settings.imap_username, settings.imap_password, initial_folder=settings.imap_folder
        ) as box:
            for message in box.fetch(AND(seen=False), mark_seen=False, limit=PER_POLL):
                try:
                    outcome = handle(message)
                except Exception:
                    db.session.rollback()
                    logger.exception("a mail could not be handled; it stays unseen")
                    summary.failed += 1
                    continue
                field = _SUMMARY_FIELDS[outcome]
                setattr(summary, field, getattr(summary, field) + 1)
                # Only now, with the commit done: a crash before leaves it unseen.
                box.flag(message.uid or "", MailMessageFlags.SEEN, True)
    finally:
        _release()
    return summary


def poll_if_on() -> None:
    """The scheduler's job: poll when the mailbox is configured."""
    settings = current_settings()
    if settings.polling:
        poll(settings)
