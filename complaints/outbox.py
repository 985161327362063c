"""Outbound messages: enqueued in the caller's transaction, delivered later.

A row exists exactly when the change that caused it committed. The drain
claims due rows, hands each to its channel's transport outside any database
transaction, and records the outcome:

- accepted by the provider → ``sent`` with the provider's message id;
- a temporary failure (provider down, timeout, rate limit) → retried with
  exponential backoff, up to ``MAX_ATTEMPTS``, then ``failed``;
- a permanent failure (blocked bot, invalid number) → ``failed`` at once,
  shown to admins.

A channel may have more than one provider (SMS through Twilio or through an
Android phone's SMS gateway; WhatsApp through Twilio or the Cloud API). A row
naming a ``transport`` goes out only through that provider, so an answer
leaves from the number the citizen wrote to; while that provider is off the
row waits. A row without one goes through the channel's default provider.

Guarantee: at least once. A claim is a lease: the row's ``next_attempt_at``
moves ``LEASE`` into the future with a compare-and-set, so two drains (two
workers, two hosts) never send the same row at the same time, and a drain
killed between the provider's acceptance and our commit leaves the row to be
sent again when the lease ends. Neither Telegram's Bot API nor Twilio's
Messages API can detect a resent message, so that rare crash window is the
one way a citizen may get a message twice; nothing is ever lost.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from flask import Flask, current_app
from sqlalchemy import ColumnElement, and_, insert, or_, select, update
from sqlalchemy.engine import CursorResult

from . import clock
from .bulk import insert_rows
from .config import ConfigError
from .extensions import db
from .models import OutboundMessage, OutboxStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)


class DeliveryError(Exception):
    """A transport could not deliver a message."""


class TemporaryFailure(DeliveryError):
    """Worth retrying later: the provider is down, slow or rate-limiting.

    ``retry_after`` is the provider's own "not before" (Telegram's flood
    control, an HTTP Retry-After): the next attempt waits at least that long.
    """

    def __init__(self, message: str, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(DeliveryError):
    """Retrying cannot help: the address is invalid or the citizen blocked us."""


@dataclass(frozen=True)
class Delivery:
    """What a provider answered when it accepted a message."""

    provider_message_id: str | None
    provider_status: str | None = None


class Transport(Protocol):
    """The one interface every channel's sender implements (channels/<name>/transport.py).

    A sender may also name its ``provider`` (a ``models.Transport`` value) when its
    channel can have more than one.
    """

    channel: str

    def send(self, address: str, body: str) -> Delivery:
        """Deliver ``body`` to ``address`` or raise TemporaryFailure / PermanentFailure."""
        ...


DRAIN_INTERVAL_SECONDS = 5


def require_public_base_url(app: Flask) -> None:
    """Refuse to deliver messages whose links would have no trustworthy address.

    Links to citizens come only from PUBLIC_BASE_URL, never from a request's Host
    header (which whoever sends the request chooses); ``make run`` sets it.
    """
    if not app.config.get("PUBLIC_BASE_URL"):
        raise ConfigError(
            "PUBLIC_BASE_URL is not set. Messages to citizens link to their tracking page, "
            "and those links are built only from PUBLIC_BASE_URL: set it to the site's "
            "external address (e.g. https://aduan.bonebolangokab.go.id) before delivering "
            "messages, or run with ADUAN_SCHEDULER=0."
        )


def provider_of(transport: Transport) -> str | None:
    """The provider a sender names, if its channel can have several."""
    provider: str | None = getattr(transport, "provider", None)
    return provider


def register_transport(app: Flask, transport: Transport, *, default: bool = True) -> None:
    """Make ``transport`` deliver this app's messages for ``transport.channel``.

    With ``default`` (or when the channel has no sender yet) it takes the messages
    that name no provider, replacing an earlier default; one that names a provider
    also takes that provider's messages.
    """
    defaults = app.extensions.setdefault("aduan_transports", {})
    if default or transport.channel not in defaults:
        defaults[transport.channel] = transport
    provider = provider_of(transport)
    if provider is not None:
        by_provider = app.extensions.setdefault("aduan_transports_by_provider", {})
        by_provider[(transport.channel, provider)] = transport


def transports() -> dict[str, Transport]:
    """Each channel's default sender."""
    registered: dict[str, Transport] = current_app.extensions.get("aduan_transports", {})
    return registered


def provider_transports() -> dict[tuple[str, str], Transport]:
    """The senders that name their provider, by (channel, provider)."""
    registered: dict[tuple[str, str], Transport] = current_app.extensions.get(
        "aduan_transports_by_provider", {}
    )
    return registered


def transport_for(channel: str, provider: str | None) -> Transport | None:
    """The sender of a message on ``channel`` that names ``provider`` (or none)."""
    if provider is not None:
        return provider_transports().get((channel, provider))
    return transports().get(channel)


def enqueue(
    channel: str,
    address: str,
    body: str,
    key: str,
    *,
    complaint_id: int | None = None,
    user_id: int | None = None,
    transport: str | None = None,
) -> OutboundMessage:
    """Add a message to the outbox in the current transaction (not committed here).

    ``key`` identifies the logical message: enqueueing the same key twice in
    one transaction or across retries of the same change yields one row.
    ``transport`` names the provider it must leave through (see the module).
    """
    existing = db.session.scalar(select(OutboundMessage).where(OutboundMessage.key == key))
    if existing is not None:
        return existing
    message = OutboundMessage(
        key=key,
        channel=channel,
        transport=transport,
        address=address,
        body=body,
        complaint_id=complaint_id,
        user_id=user_id,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        next_attempt_at=clock.now(),
    )
    db.session.add(message)
    logger.debug("queued %s message %s", channel, key)
    return message


# Built once, like intake's INSERTs: every acknowledgement runs it.
_INSERT_MESSAGE = insert(OutboundMessage)


def enqueue_new(
    channel: str,
    address: str,
    body: str,
    key: str,
    *,
    complaint_id: int,
    transport: str | None = None,
) -> None:
    """As :func:`enqueue`, for a key the caller knows no row can have yet.

    The key is made from a row written in this very transaction, so there is
    nothing to look up (the unique constraint on ``key`` still holds if that were
    ever wrong). The row is one Core INSERT on the session's connection, in its
    transaction: intake then commits with no second ORM flush for it.
    """
    queued_at = clock.now()
    row = _pending_row(
        QueuedMessage(channel, address, body, key, complaint_id=complaint_id, transport=transport)
    )
    db.session.connection().execute(
        _INSERT_MESSAGE, {**row, "next_attempt_at": queued_at, "created_at": queued_at}
    )
    logger.debug("queued %s message %s", channel, key)


@dataclass(frozen=True)
class QueuedMessage:
    """One message for :func:`enqueue_many`; the fields are :func:`enqueue`'s arguments."""

    channel: str
    address: str
    body: str
    key: str
    complaint_id: int | None = None
    user_id: int | None = None
    transport: str | None = None


def _pending_row(message: QueuedMessage) -> dict[str, object]:
    """The columns of a new outbox row for ``message``, less its queueing instants."""
    return {
        "key": message.key,
        "channel": message.channel,
        "transport": message.transport,
        "address": message.address,
        "body": message.body,
        "complaint_id": message.complaint_id,
        "user_id": message.user_id,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
    }


# Keys looked up per query: well under every database's limit on bound parameters.
_KEYS_PER_QUERY = 500


def enqueue_many(messages: Sequence[QueuedMessage]) -> int:
    """Add many messages to the outbox in the current transaction; return how many were new.

    The same idempotency as :func:`enqueue` (a key already in the outbox, or
    repeated in ``messages``, yields no second row), for the cost of one key
    lookup per few hundred messages and one bulk write, rather than a query
    and an ORM object per message. The lookup autoflushes, so messages
    ``enqueue`` added earlier in the transaction count as existing.
    """
    by_key: dict[str, QueuedMessage] = {}
    for message in messages:
        by_key.setdefault(message.key, message)
    keys = list(by_key)
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        existing = db.session.scalars(
            select(OutboundMessage.key).where(
                OutboundMessage.key.in_(keys[start : start + _KEYS_PER_QUERY])
            )
        )
        for key in existing:
            del by_key[key]
    if not by_key:
        return 0
    queued_at = clock.now()
    rows = [_pending_row(message) for message in by_key.values()]
    insert_rows(
        OutboundMessage.__tablename__,
        rows,
        {"next_attempt_at": queued_at, "created_at": queued_at},
    )
    logger.debug("queued %d messages", len(rows))
    return len(rows)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min … capped at 6 h."""
    base = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    delay = min(base, LONGEST_RETRY)
    return delay + timedelta(seconds=random.uniform(0, delay.total_seconds() / 10))  # noqa: S311


@dataclass
class DrainSummary:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "retrying": self.retrying}


@dataclass(frozen=True)
class _Claim:
    id: int
    channel: str
    transport: str | None
    address: str
    body: str
    attempts: int


def _sendable(channels: list[str], providers: Sequence[tuple[str, str]]) -> ColumnElement[bool]:
    """Rows some registered sender can take: a channel's default, or a named provider."""
    return or_(
        and_(OutboundMessage.transport.is_(None), OutboundMessage.channel.in_(channels)),
        *(
            and_(OutboundMessage.channel == channel, OutboundMessage.transport == provider)
            for channel, provider in providers
        ),
    )


def _claim(
    now: datetime, limit: int, channels: list[str], providers: Sequence[tuple[str, str]] = ()
) -> list[_Claim]:
    """Lease up to ``limit`` due messages; a row another drain leased meanwhile is skipped."""
    query = (
        select(
            OutboundMessage.id,
            OutboundMessage.next_attempt_at,
            OutboundMessage.attempts,
        )
        .where(
            OutboundMessage.status == OutboxStatus.PENDING.value,
            OutboundMessage.next_attempt_at <= now,
            _sendable(channels, providers),
        )
        .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = db.session.execute(query).all()
    claimed_ids = []
    for message_id, seen_due, seen_attempts in candidates:
        result = cast(
            CursorResult[Any],
            db.session.execute(
                update(OutboundMessage)
                .where(
                    OutboundMessage.id == message_id,
                    OutboundMessage.status == OutboxStatus.PENDING.value,
                    OutboundMessage.next_attempt_at == seen_due,
                    OutboundMessage.attempts == seen_attempts,
                )
                .values(next_attempt_at=now + LEASE, attempts=seen_attempts + 1)
                .execution_options(synchronize_session=False)
            ),
        )
        if result.rowcount == 1:
            claimed_ids.append(message_id)
    db.session.commit()
    if not claimed_ids:
        return []
    rows = db.session.execute(
        select(
            OutboundMessage.id,
            OutboundMessage.channel,
            OutboundMessage.transport,
            OutboundMessage.address,
            OutboundMessage.body,
            OutboundMessage.attempts,
        ).where(OutboundMessage.id.in_(claimed_ids))
    ).all()
    db.session.commit()
    return [_Claim(*row) for row in rows]


def _record(claim: _Claim, values: dict[str, object]) -> None:
    db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == claim.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _deliver(claim: _Claim, transport: Transport, now: datetime, summary: DrainSummary) -> None:
    try:
        delivery = transport.send(claim.address, claim.body)
    except PermanentFailure as error:
        logger.warning("message %s failed permanently: %s", claim.id, error)
        _record(claim, {"status": OutboxStatus.FAILED.value, "last_error": str(error)[:2000]})
        summary.failed += 1
    except Exception as error:  # a transport bug must not stop the drain either
        final = claim.attempts >= MAX_ATTEMPTS
        logger.warning(
            "message %s attempt %d failed%s: %s",
            claim.id,
            claim.attempts,
            " for the last time" if final else "",
            error,
        )
        values: dict[str, object] = {"last_error": f"{type(error).__name__}: {error}"[:2000]}
        if final:
            values["status"] = OutboxStatus.FAILED.value
            summary.failed += 1
        else:
            delay = retry_delay(claim.attempts)
            if isinstance(error, TemporaryFailure) and error.retry_after is not None:
                delay = max(delay, error.retry_after)
            values["next_attempt_at"] = now + delay
            summary.retrying += 1
        _record(claim, values)
    else:
        _record(
            claim,
            {
                "status": OutboxStatus.SENT.value,
                "sent_at": clock.now(),
                "provider_message_id": delivery.provider_message_id,
                "provider_status": delivery.provider_status,
                "last_error": None,
            },
        )
        summary.sent += 1


def drain(now: datetime | None = None, limit: int = 200) -> DrainSummary:
    """Deliver every due message whose channel has a transport; return the counts.

    Messages for channels (or providers) that are not configured stay pending
    (never lost) and show in the admin backlog until the channel is set up.
    """
    moment = now or clock.now()
    summary = DrainSummary()
    defaults, named = transports(), provider_transports()
    if not defaults and not named:
        return summary
    while True:
        claims = _claim(moment, limit, sorted(defaults), sorted(named))
        for claim in claims:
            sender = named[(claim.channel, claim.transport)] if claim.transport else None
            _deliver(claim, sender or defaults[claim.channel], moment, summary)
        if len(claims) < limit:
            return summary


def reported_row(provider_message_id: str) -> OutboundMessage | None:
    """The outbox row a provider's delivery report is about, locked until the commit.

    None when no row has that id (an answer we gave in the webhook's reply, a
    message another system sent); the transaction is then ended.
    """
    row = db.session.scalar(
        select(OutboundMessage)
        .where(OutboundMessage.provider_message_id == provider_message_id)
        .with_for_update()
    )
    if row is None:
        db.session.rollback()
    return row


def mark_delivered(row: OutboundMessage) -> None:
    """The provider reports the message arrived: a sent row becomes ``delivered``.

    So does one back to ``pending`` (delivered late after all: no need to resend).
    """
    if row.status in (OutboxStatus.SENT.value, OutboxStatus.PENDING.value):
        row.status = OutboxStatus.DELIVERED.value


@dataclass(frozen=True)
class Backlog:
    pending: int
    failed: int
    oldest_pending_at: datetime | None


def backlog() -> Backlog:
    """What the admin page and /healthz show: undelivered and failed messages."""
    from sqlalchemy import func

    pending, oldest = db.session.execute(
        select(func.count(OutboundMessage.id), func.min(OutboundMessage.created_at)).where(
            OutboundMessage.status == OutboxStatus.PENDING.value
        )
    ).one()
    failed = db.session.scalar(
        select(func.count(OutboundMessage.id)).where(
            OutboundMessage.status == OutboxStatus.FAILED.value
        )
    )
    return Backlog(pending=pending, failed=failed or 0, oldest_pending_at=oldest)
