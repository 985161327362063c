"""Delivery states from the gateway's ``sms:sent``, ``sms:delivered`` and ``sms:failed`` events.

The outbox row is found by its ``provider_message_id`` (the id the gateway
gave the message when we sent it) and updated as Twilio's status callbacks
update theirs (``channels/sms/callbacks.py``):

- every state is kept in ``provider_status``, never moving back from a final
  one (events can arrive out of order);
- ``delivered`` → the row is ``delivered``;
- ``failed`` → the row is ``failed`` with the phone's reason in ``last_error``,
  which the admin page lists (a phone reports failures such as "no service"
  or "generic failure" without telling a passing fault from a lasting one;
  an admin sends it again from the admin page).

Only a row still ``sent`` (or ``pending``, for a late delivery) changes, so
a repeated event changes nothing twice.
"""

from __future__ import annotations

import logging

from complaints.extensions import db
from complaints.models import OutboxStatus
from complaints.outbox import mark_delivered, reported_row

logger = logging.getLogger(__name__)

# Event → the provider status we keep.
EVENT_STATUSES = {"sms:sent": "sent", "sms:delivered": "delivered", "sms:failed": "failed"}
FINAL_STATUSES = frozenset({"delivered", "failed"})


def record_state(event: str, message_id: str, reason: str | None = None) -> bool:
    """Apply one delivery event to its outbox row; False when no row has that message id."""
    status = EVENT_STATUSES.get(event)
    if status is None or not message_id:
        return False
    row = reported_row(message_id[:128])
    if row is None:
        return False
    if row.provider_status not in FINAL_STATUSES or status in FINAL_STATUSES:
        row.provider_status = status
    if status == "delivered":
        mark_delivered(row)
    elif status == "failed" and row.status == OutboxStatus.SENT.value:
        row.status = OutboxStatus.FAILED.value
        row.last_error = f"failed on the phone: {reason or 'no reason given'}"[:2000]
        logger.warning("message %s failed on the gateway phone: %s", row.id, reason)
    db.session.commit()
    return True
