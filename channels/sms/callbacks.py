"""Delivery status callbacks: what happened to a message after Twilio accepted it.

Twilio reports ``queued``, ``sending``, ``sent``, then ``delivered`` (``read``
on WhatsApp) or ``undelivered`` / ``failed`` with an error code. The outbox
row is found by its ``provider_message_id`` and updated:

- every status is kept in ``provider_status``, never moving back from a
  final one (callbacks can arrive out of order);
- ``delivered`` / ``read`` → the row is ``delivered``;
- ``undelivered`` / ``failed`` with an error that resending cannot fix
  (unknown or landline number, blocked, spam-filtered, outside WhatsApp's
  24-hour window …) → ``failed`` with the code in ``last_error``, which the
  admin page lists;
- any other error (carrier congestion, unknown error 30008 …) → back to
  ``pending`` with the outbox's backoff, counting the attempt the drain
  already made, until ``MAX_ATTEMPTS``. An unreachable handset (30003: the
  phone is off or out of coverage, common with basic phones in villages)
  is tried a few times only, as each try is billed.

Only a row still ``sent`` is moved to ``failed`` or ``pending``, so a
repeated callback changes nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from complaints import clock
from complaints.extensions import db
from complaints.models import OutboundMessage, OutboxStatus
from complaints.outbox import MAX_ATTEMPTS, mark_delivered, reported_row, retry_delay

logger = logging.getLogger(__name__)

FINAL_PROVIDER_STATUSES = frozenset({"delivered", "read", "undelivered", "failed", "canceled"})
DELIVERED_STATUSES = frozenset({"delivered", "read"})
FAILED_STATUSES = frozenset({"undelivered", "failed"})

# Delivery errors (status callbacks) where sending the same message again cannot help.
PERMANENT_DELIVERY_ERRORS: dict[int, str] = {
    21211: "invalid 'To' phone number",
    21610: "the recipient replied STOP (unsubscribed)",
    21614: "'To' number is not a mobile number",
    30002: "Twilio account suspended",
    30004: "message blocked by the recipient or carrier",
    30005: "unknown destination handset (number not in service)",
    30006: "landline or unreachable carrier",
    30007: "message filtered as spam by the carrier",
    30032: "toll-free number not verified",
    30034: "sender not registered for A2P",
    63003: "WhatsApp could not find the recipient",
    63016: "outside the WhatsApp 24-hour window; a template is needed",
    63024: "invalid WhatsApp recipient",
}
# Worth retrying, but only this many sends in all.
LIMITED_RETRY_ERRORS: dict[int, int] = {30003: 3}


def _error_code(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() else None


def _describe(status: str, code: int | None, message: str | None) -> str:
    known = PERMANENT_DELIVERY_ERRORS.get(code or 0)
    detail = message or known or ""
    return f"{status} {code or '-'}: {detail}".strip()[:2000]


def record_status(
    *,
    message_sid: str,
    status: str,
    error_code: str | None = None,
    error_message: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Apply one status callback to its outbox row; False when no row has that SID."""
    status = status.strip().lower()
    if not message_sid or not status:
        return False
    row = reported_row(message_sid)
    if row is None:  # our TwiML answers and unknown SIDs have no outbox row
        return False
    if row.provider_status not in FINAL_PROVIDER_STATUSES or status in FINAL_PROVIDER_STATUSES:
        row.provider_status = status
    if status in DELIVERED_STATUSES:
        mark_delivered(row)
    elif status in FAILED_STATUSES and row.status == OutboxStatus.SENT.value:
        _failed(row, status, _error_code(error_code), error_message, now or clock.now())
    db.session.commit()
    return True


def _failed(
    row: OutboundMessage, status: str, code: int | None, message: str | None, now: datetime
) -> None:
    row.last_error = _describe(status, code, message)
    limit = LIMITED_RETRY_ERRORS.get(code or 0, MAX_ATTEMPTS)
    if code in PERMANENT_DELIVERY_ERRORS or row.attempts >= limit:
        row.status = OutboxStatus.FAILED.value
        logger.warning("message %s %s for good: %s", row.id, status, row.last_error)
        return
    # The drain counted this attempt when it claimed the row.
    row.status = OutboxStatus.PENDING.value
    row.next_attempt_at = now + retry_delay(row.attempts)
    logger.info("message %s %s (%s); retrying", row.id, status, row.last_error)
