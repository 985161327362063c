"""The reporter's answer to a resolution by SMS or WhatsApp: SELESAI or BELUM <code>.

When the unit marks a complaint resolved, its reporter is asked to confirm
it. On the web that takes the reporter's key; on SMS and WhatsApp the
reporter's own number is the proof (DESIGN.md, "The reporter's key"). So a
complaint is confirmed (``SELESAI`` / ``SUDAH`` / ``DONE <code>``: it
closes) or reopened (``BELUM`` / ``REOPEN <code> <reason>``: back to the
unit, the reason a public note) only when:

1. the code names a complaint whose reporter's phone (E.164) is the
   sender's number, normalised the same way, and the reporter has not been
   erased — anyone else gets the answer for an unknown code, word for word,
   so a stranger learns nothing about the code and nothing changes;
2. it is ``resolved`` — a closed one is said to be closed, any other gets a
   polite answer that it can only be confirmed once the unit marked it
   resolved;
3. a reopening gives its reason — without one the reporter is asked for it.

Nothing here commits: :mod:`.commands` commits with the message's receipt.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import joinedload

from complaints import workflow
from complaints.codes import PREFIX, complaint_by_code, normalize_code, typed_symbols
from complaints.extensions import db
from complaints.models import Complaint, ComplaintEvent, OutboundMessage, OutboxStatus, Status

from . import replies
from .inbound import InboundMessage

# A code typed in pieces ("ADU 7K3Q 9M2X") takes at most three words.
_CODE_WORDS = 3
_WORD = re.compile(r"\S+")
_PUNCTUATION = ":,;"
_SEPARATORS = " \t\r\n:.,;-"
_PREFIXES = (PREFIX, "AD0")  # "ADO-…" typed with the letter O


def split_code(argument: str) -> tuple[str | None, str]:
    """The tracking code the argument starts with, and the text after it (the reason).

    Only a code with its ``ADU`` prefix, as every message writes it (case,
    dashes and spaces forgiven): without it, everyday words would pass for
    one ("belum ada kabar" holds the eight symbols ADAKABAR), and text sent
    in the joining window would be taken for a command. The fewest words
    that make a code win, so the reason's first word stays in the reason.
    ``(None, argument)`` when the argument starts with no code.
    """
    words = list(_WORD.finditer(argument))
    for count in range(1, min(_CODE_WORDS, len(words)) + 1):
        end = words[count - 1].end()
        typed = argument[:end].strip().rstrip(_PUNCTUATION)
        code = normalize_code(typed) if typed_symbols(typed).startswith(_PREFIXES) else None
        if code is not None:
            return code, argument[end:].lstrip(_SEPARATORS).strip()
    return None, argument.strip()


def confirm(message: InboundMessage, code: str, locale: str, now: datetime) -> str:
    """The reporter confirms the resolution (it closes); returns the answer to send."""
    found = _awaiting_reporter(message, code, locale)
    if isinstance(found, str):
        return found
    event = workflow.confirm_resolution(found, now=now)
    _came_by(event, message)
    return replies.resolution_confirmed(found.code, locale)


def reopen(message: InboundMessage, code: str, reason: str, locale: str, now: datetime) -> str:
    """The reporter says it is not resolved (back to the unit); returns the answer to send."""
    found = _awaiting_reporter(message, code, locale)
    if isinstance(found, str):
        return found
    if not reason:
        return replies.reopen_needs_reason(found.code, locale)
    event = workflow.reopen_complaint(found, reason, now=now)
    _came_by(event, message)
    return replies.resolution_reopened(found.code, locale)


def is_reporter(complaint: Complaint, message: InboundMessage) -> bool:
    """True when ``message`` comes from the phone number of the complaint's (unerased) reporter."""
    reporter = complaint.reporter
    return (
        message.phone is not None
        and reporter is not None
        and reporter.erased_at is None
        and reporter.phone == message.phone
    )


def _awaiting_reporter(message: InboundMessage, code: str, locale: str) -> Complaint | str:
    """The resolved complaint ``code`` names, if the sender is its reporter; else the answer.

    A complaint of someone else is answered as a code that does not exist.
    """
    complaint = complaint_by_code(code, joinedload(Complaint.reporter))
    if complaint is None or not is_reporter(complaint, message):
        return replies.unknown_code(locale)
    if complaint.status == Status.CLOSED:
        return replies.already_closed(complaint.code, locale)
    if complaint.status != Status.RESOLVED:
        return replies.not_awaiting_confirmation(complaint.code, locale)
    return complaint


def _came_by(event: ComplaintEvent, message: InboundMessage) -> None:
    """Note the message on the event, and mark its status notice as told in our answer.

    The workflow queued the news of the change for the citizen; when it
    would go to the very number and channel that just asked for the change,
    our answer tells them already, and sending it too would charge the
    regency for the same news twice (as with the acknowledgement of LAPOR).
    """
    event.data = {"channel": message.channel, "message_sid": message.sid}
    db.session.execute(
        update(OutboundMessage)
        .where(
            # notify queues an event's news under this key
            OutboundMessage.key == f"event-{event.id}",
            OutboundMessage.channel == message.channel,
            OutboundMessage.address == message.address,
            OutboundMessage.status == OutboxStatus.PENDING.value,
            OutboundMessage.attempts == 0,
        )
        .values(
            status=OutboxStatus.SENT.value, sent_at=event.at, provider_status=message.answered_in
        )
        .execution_options(synchronize_session=False)
    )
