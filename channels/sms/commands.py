"""The command layer of SMS and WhatsApp: what the service does with one incoming message.

:func:`handle_inbound` lets the blocklist and the flood limit (``flood``)
speak first, then joins the message to a complaint in progress
(``conversation``) or acts on its command word (``command_words``): it
files a complaint through :func:`complaints.intake.submit_complaint`,
answers STATUS from the public view, or hands SELESAI/BELUM to
``resolution``. ``channels/sms/README.md`` describes the commands, the
joining windows and the photo rules as citizens meet them.

Idempotency: each processed MessageSid leaves an InboundReceipt, committed
with whatever the message changed; the complaint's ``external_id`` is the
MessageSid of the LAPOR that opened it, so a replayed webhook files nothing
twice and is answered with the same tracking code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from channels.receipts import receipt_seen, remember_receipt
from complaints import clock, workflow
from complaints.attachments import MAX_PHOTOS, NewAttachment, add_photos
from complaints.codes import complaint_by_code
from complaints.errors import ConcurrentChange, ValidationFailed
from complaints.extensions import db
from complaints.intake import MAX_DESCRIPTION, MIN_DESCRIPTION, Contact, submit_complaint
from complaints.models import Complaint, OutboundMessage, OutboxStatus, Status
from complaints.public import public_view
from complaints.workflow import Actor

from . import blocklist, flood, replies, resolution
from .category_guess import guess_category
from .command_words import Command, Verb, code_in, parse_command, privacy_choices
from .conversation import JOIN_WINDOW, SenderState, lock_sender
from .inbound import InboundMessage, MediaRef
from .media import ACCEPTED_TYPES, fetch_photos
from .settings import TwilioSettings

logger = logging.getLogger(__name__)

DEFAULT_LOCALE = "id"


@dataclass(frozen=True)
class Reply:
    """What to answer in TwiML; ``None`` answers with an empty response (no SMS)."""

    text: str | None = None


def handle_inbound(
    message: InboundMessage, settings: TwilioSettings, now: datetime | None = None
) -> Reply:
    """Answer one incoming message; every change it makes is committed before returning.

    1. a blocked sender gets nothing and leaves no trace;
    2. a MessageSid seen before is answered as the first time, changing nothing;
    3. past the hourly limit the sender is told once, then ignored;
    4. a part of a complaint in progress joins it;
    5. otherwise the command word decides.
    """
    moment = now or clock.now()
    if blocklist.is_blocked(message.channel, message.address):
        logger.info("ignoring a message from a blocked %s sender", message.channel)
        return Reply()
    sender = lock_sender(message.channel, message.address)
    if _seen(message):
        db.session.rollback()
        return _replay(message)
    limit = settings.max_inbound_per_hour
    decision = flood.admit(message.channel, message.address, limit, moment)
    if decision != flood.RateDecision.ADMIT:
        db.session.rollback()  # nothing of a flood is stored; frees the sender's row
        if decision == flood.RateDecision.DROP:
            return Reply()
        return _reply(replies.rate_limited(sender.locale or DEFAULT_LOCALE), message)
    sender.transport = message.transport  # the way back; written with the state
    sender.inbound_at = moment  # WhatsApp's 24-hour window counts from it
    command = parse_command(message.body)
    if command.locale is not None:
        sender.locale = command.locale
    locale = sender.locale or DEFAULT_LOCALE
    if sender.window_open(moment) and _continues(command):
        if sender.collecting(moment):
            return _complete(message, sender, settings, moment)
        return _append(message, sender, settings, moment)
    if command.verb == Verb.REPORT:
        text, privacy = privacy_choices(command.argument)
        return _file(
            message,
            sender,
            settings,
            text=text,
            privacy=privacy,
            media=list(message.media),
            external_id=message.sid,
            locale=locale,
            now=moment,
        )
    if command.verb in (Verb.CONFIRM, Verb.REOPEN):
        return _answer_resolution(message, sender, command, locale, moment)
    if command.verb == Verb.STATUS:
        text = _status_text(command.argument, locale)
    elif command.verb is None and message.media:
        # Photos with no report to join (a photo-only message, or one too late).
        text = replies.photos_need_report(JOIN_WINDOW // timedelta(minutes=1), locale)
    else:
        text = replies.help_text(locale)
    sender.save()
    _remember(message, moment)
    db.session.commit()
    return _reply(text, message)


def _reply(text: str, message: InboundMessage) -> Reply:
    return Reply(replies.for_channel(text, message.channel))


def _continues(command: Command) -> bool:
    """Inside a window, is this message the next part rather than a new command?"""
    if command.verb is None:
        return True
    if command.verb == Verb.STATUS:
        return code_in(command.argument) is None  # "status jalan ini …" is text
    if command.verb in (Verb.CONFIRM, Verb.REOPEN):
        return resolution.split_code(command.argument)[0] is None  # "sudah dua minggu …"
    if command.verb == Verb.HELP:
        return bool(command.argument)
    return False  # a new LAPOR starts a new complaint


def _seen(message: InboundMessage) -> bool:
    return receipt_seen(message.channel, message.sid)


def _remember(message: InboundMessage, now: datetime) -> None:
    """Record the MessageSid in the current transaction (once)."""
    remember_receipt(message.channel, message.sid, now)


def _replay(message: InboundMessage) -> Reply:
    """A webhook delivered again: the same tracking code if it filed one, else silence."""
    complaint = _complaint_opened_by(message.channel, message.sid)
    if complaint is None:
        return Reply()
    return _received(complaint, message)


def _received(complaint: Complaint, message: InboundMessage) -> Reply:
    """The tracking code, with the privacy options the complaint was filed with."""
    text = replies.received(
        complaint.code,
        complaint.locale,
        anonymous=complaint.anonymous,
        confidential=complaint.confidential,
    )
    return _reply(text, message)


def _complaint_opened_by(channel: str, external_id: str | None) -> Complaint | None:
    if external_id is None:
        return None
    return db.session.scalar(
        select(Complaint).where(Complaint.channel == channel, Complaint.external_id == external_id)
    )


def _status_text(argument: str, locale: str) -> str:
    """The answer to STATUS <code>: anyone holding the code may ask, as on the tracking page.

    It is built from the public view, so it says nothing personal.
    """
    code = code_in(argument)
    if code is None:
        return replies.status_usage(locale)
    complaint = complaint_by_code(code)
    if complaint is None:
        return replies.unknown_code(locale)
    return replies.status(public_view(complaint, locale), locale)


def _answer_resolution(
    message: InboundMessage, sender: SenderState, command: Command, locale: str, now: datetime
) -> Reply:
    """SELESAI / BELUM <code>: the reporter's answer to a resolution (retried once on a race).

    Without a code it is more likely text ("sudah tiga hari …") than a
    confirmation: the help text names both commands.
    """
    code, reason = resolution.split_code(command.argument)
    for attempt in (1, 2):
        try:
            if code is None:
                text = replies.help_text(locale)
            elif command.verb == Verb.CONFIRM:
                text = resolution.confirm(message, code, locale, now)
            else:
                text = resolution.reopen(message, code, reason, locale, now)
            sender.save()
            _remember(message, now)
            workflow.commit()
            return _reply(text, message)
        except ConcurrentChange:
            # Staff changed the complaint meanwhile; the second pass sees its new status.
            if attempt == 2:
                raise
            logger.info(
                "complaint changed while its reporter answered by %s; retrying", message.channel
            )
    raise AssertionError("unreachable")


def _file(
    message: InboundMessage,
    sender: SenderState,
    settings: TwilioSettings,
    *,
    text: str,
    privacy: frozenset[str],
    media: list[MediaRef],
    external_id: str,
    locale: str,
    now: datetime,
) -> Reply:
    """File a complaint (or wait for its details when the text is too short)."""
    # Too short a text only asks for the details: its photos are fetched when they come.
    photos = fetch_photos(media, settings) if media and len(text) >= MIN_DESCRIPTION else []
    # Open the joining window in the complaint's own transaction, so a next
    # part processed meanwhile by another worker finds it.
    sender.start_appending(external_id, message.body, now)
    sender.save()
    _remember(message, now)
    try:
        result = submit_complaint(
            channel=message.channel,
            category=guess_category(text),
            description=text,
            contact=Contact(phone=message.phone),
            anonymous="anonymous" in privacy,
            confidential="confidential" in privacy,
            locale=locale,
            external_id=external_id,
            photos=photos,
            now=now,
            transport=message.transport,
        )
    except ValidationFailed as failure:
        if set(failure.fields) == {"description"}:
            sender.start_collecting(external_id, text, media, privacy, message.body, now)
            sender.save()
            db.session.commit()
            return _reply(replies.ask_details(locale), message)
        logger.error("could not file an %s complaint: %s", message.channel, failure)
        db.session.rollback()
        return _reply(replies.not_filed(locale), message)
    complaint = result.complaint
    # Again: intake rolls back and retries on a tracking-code collision,
    # which drops what we had added to its transaction.
    sender.start_appending(external_id, message.body, now)
    sender.save()
    _remember(message, now)
    if result.created:
        _acknowledged_in_reply(complaint, message, now)
    db.session.commit()
    return _received(complaint, message)


def _acknowledged_in_reply(complaint: Complaint, message: InboundMessage, now: datetime) -> None:
    """Mark intake's queued acknowledgement as delivered by our answer.

    The answer (TwiML, or the gateway's queued reply) already gives the
    citizen the tracking code, in one GSM-7 segment; sending the
    acknowledgement too would charge them (and the regency) for the same
    news twice. Only an untouched row is marked (``attempts == 0``): one a
    drain has already claimed goes out anyway.
    """
    db.session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.complaint_id == complaint.id,
            OutboundMessage.channel == message.channel,
            OutboundMessage.status == OutboxStatus.PENDING.value,
            OutboundMessage.attempts == 0,
        )
        .values(status=OutboxStatus.SENT.value, sent_at=now, provider_status=message.answered_in)
        .execution_options(synchronize_session=False)
    )


def _complete(
    message: InboundMessage, sender: SenderState, settings: TwilioSettings, now: datetime
) -> Reply:
    """The details after a bare LAPOR: file the complaint with everything collected."""
    text = (sender.text + sender.joiner(message.body) + message.body.strip()).strip()
    return _file(
        message,
        sender,
        settings,
        text=text,
        privacy=frozenset(sender.privacy),
        media=sender.media + list(message.media),
        external_id=sender.external_id or message.sid,
        locale=sender.locale or DEFAULT_LOCALE,
        now=now,
    )


def _append(
    message: InboundMessage, sender: SenderState, settings: TwilioSettings, now: datetime
) -> Reply:
    """Add a further part to the complaint the window belongs to (retried once on a race).

    Its photos are downloaded first, once, and only as many as the complaint
    still has room for.
    """
    complaint = _complaint_opened_by(message.channel, sender.external_id)
    room = MAX_PHOTOS - len(complaint.attachments) if complaint is not None else 0
    photos = fetch_photos(message.media, settings, limit=room) if room > 0 else []
    for attempt in (1, 2):
        try:
            return _append_once(message, sender, photos, now)
        except ConcurrentChange:
            # Staff changed the complaint meanwhile; the second pass sees its new status.
            if attempt == 2:
                raise
            logger.info("complaint changed while appending an SMS part; retrying")
    raise AssertionError("unreachable")


def _append_once(
    message: InboundMessage, sender: SenderState, photos: list[NewAttachment], now: datetime
) -> Reply:
    complaint = _complaint_opened_by(message.channel, sender.external_id)
    text = message.body.strip()
    if complaint is not None and text:
        joined = complaint.description + sender.joiner(message.body) + text
        data = {"channel": message.channel, "message_sid": message.sid}
        if complaint.status == Status.RECEIVED and len(joined) <= MAX_DESCRIPTION:
            workflow.amend_description(
                complaint, text, sender.joiner(message.body), data=data, now=now
            )
        else:
            # Too late or too long to change the description: staff still see it.
            workflow.receive_citizen_message(
                complaint, text, message.channel, data={"message_sid": message.sid}, now=now
            )
    answer = None
    if complaint is not None and message.media:
        answer = _attach(message, complaint, photos, now)
    elif message.media:
        logger.warning("photos of %s arrived for a complaint that is gone", message.sid)
    sender.next_part(message.body, now)
    sender.save()
    _remember(message, now)
    workflow.commit()
    return _reply(answer, message) if answer else Reply()


def _attach(
    message: InboundMessage, complaint: Complaint, photos: list[NewAttachment], now: datetime
) -> str:
    """Store the photos of a further part with an event; the answer says what was kept.

    A photo not stored is either over the limit (the complaint is full) or
    could not be fetched or checked (Twilio down, not an image): the
    citizen is asked to send that one again.
    """
    added = 0
    try:
        added = add_photos(complaint, photos, now=now)
    except ValidationFailed as failure:  # fetch_photos has checked them: not expected
        logger.warning("photos of %s refused: %s", message.sid, failure.fields)
    if added:
        complaint.updated_at = now
        workflow.record_event(
            complaint,
            Actor.citizen(),
            "photos",
            data={"channel": message.channel, "message_sid": message.sid, "count": added},
            now=now,
        )
    total = len(complaint.attachments)
    not_photos = sum(1 for ref in message.media if ref.content_type not in ACCEPTED_TYPES)
    not_stored = len(message.media) - not_photos - added
    return replies.photos_added(
        added=added,
        total=total,
        over_limit=not_stored if total >= MAX_PHOTOS else 0,
        failed=0 if total >= MAX_PHOTOS else not_stored,
        not_photos=not_photos,
        locale=complaint.locale,
    )
