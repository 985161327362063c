"""Statuses from Meta's webhook: ``sent``, ``delivered``, ``read``, ``failed``.

The outbox row is found by its ``provider_message_id`` (the wamid Meta
gave the message when we sent it) and updated as the SMS gateway's and
Twilio's delivery reports update theirs:

- every status is kept in ``provider_status``, never moving back from a
  later one (``read`` after ``delivered``; statuses can arrive out of order);
- ``delivered`` or ``read`` → the row is ``delivered``;
- ``failed`` → the row is ``failed`` with Meta's error in ``last_error``,
  which the admin page lists.
"""

from __future__ import annotations

import logging
from typing import Any

from complaints.extensions import db
from complaints.models import OutboxStatus
from complaints.outbox import mark_delivered, reported_row

logger = logging.getLogger(__name__)

# How far along each status is: a status never replaces a later one.
_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


def record_status(status: dict[str, Any]) -> bool:
    """Apply one entry of ``value.statuses``; False when no outbox row has that wamid."""
    wamid, state = str(status.get("id") or "").strip(), str(status.get("status") or "")
    if not wamid or state not in _ORDER:
        return False
    row = reported_row(wamid[:128])
    if row is None:
        return False
    if _ORDER.get(row.provider_status or "", 0) < _ORDER[state]:
        row.provider_status = state
    if state in ("delivered", "read"):
        mark_delivered(row)
    elif state == "failed" and row.status in (OutboxStatus.SENT.value,):
        errors = status.get("errors") or [{}]
        first = errors[0] if isinstance(errors, list) and errors else {}
        first = first if isinstance(first, dict) else {}
        row.status = OutboxStatus.FAILED.value
        row.last_error = (
            f"WhatsApp could not deliver it: error {first.get('code')}: "
            f"{first.get('title') or first.get('message') or 'no reason given'}"
        )[:2000]
        logger.warning("WhatsApp message %s failed: %s", row.id, row.last_error)
    db.session.commit()
    return True
