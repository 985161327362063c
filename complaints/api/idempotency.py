"""Safe retries: an ``Idempotency-Key`` header becomes the complaint's external_id.

``submit_complaint`` is idempotent on (channel, external_id). The external_id
we derive is ``idem:<hash of scope and key>:<hash of the request body>``:

- the same key with the same body finds the complaint already created, so a
  retry after a lost response returns it instead of filing a duplicate;
- the same key with a *different* body is refused (422) rather than answered
  with another client's complaint — on a public endpoint a guessed or reused
  key must never reveal someone else's tracking code;
- ``scope`` separates clients that authenticate (an Open311 api_key), so two
  of them can never collide on the same key.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import gettext
from sqlalchemy import bindparam, select

from complaints.extensions import db
from complaints.models import Complaint

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
_PREFIX = "idem:"


class IdempotencyProblem(Exception):
    """The key is malformed, or was used before with a different body."""

    def __init__(self, field: str, message: str, status: int) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def body_fingerprint(payload: Any) -> str:
    """A stable digest of a decoded request body (key order does not matter)."""
    return _digest(json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str))


def requested_key() -> str | None:
    """The request's Idempotency-Key, or None; raises IdempotencyProblem when malformed."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise IdempotencyProblem(
            HEADER,
            gettext(
                "The Idempotency-Key must be 1 to %(count)d printable ASCII characters.",
                count=MAX_KEY_LENGTH,
            ),
            400,
        )
    return key


@dataclass(frozen=True)
class IdempotentRequest:
    """What a request's Idempotency-Key resolved to."""

    external_id: str | None
    # True when no complaint of this channel and scope used the key before: intake
    # need not look for one again (a racing twin is caught by the unique constraint).
    first_use: bool


# Built once, as every request asks the same question of other values (a statement
# used again keeps its cache key), and of the table rather than the model: one
# string is read, so the ORM has nothing to add. The prefix is hex digests and
# colons: nothing in it is a LIKE wildcard.
_COMPLAINTS = Complaint.__table__
_EARLIER_USE = (
    select(_COMPLAINTS.c.external_id)
    .where(
        _COMPLAINTS.c.channel == bindparam("channel"),
        _COMPLAINTS.c.external_id.startswith(bindparam("prefix")),
    )
    .limit(1)
)


def external_id_for(channel: str, key: str | None, fingerprint: str, scope: str = "") -> str | None:
    """The external_id to submit with, or None without a key.

    Raises IdempotencyProblem (422) when the key was already used on this
    channel and scope for a different body.
    """
    return resolve(channel, key, fingerprint, scope).external_id


def resolve(channel: str, key: str | None, fingerprint: str, scope: str = "") -> IdempotentRequest:
    """As :func:`external_id_for`, and whether the key is used here for the first time."""
    if key is None:
        return IdempotentRequest(None, first_use=False)
    prefix = f"{_PREFIX}{_digest(scope + chr(10) + key)}:"
    external_id = prefix + fingerprint
    earlier = (
        db.session.connection()
        .execute(_EARLIER_USE, {"channel": channel, "prefix": prefix})
        .scalar()
    )
    if earlier is not None and earlier != external_id:
        logger.info("idempotency key reused with another body on channel %s", channel)
        raise IdempotencyProblem(
            HEADER,
            gettext("This Idempotency-Key was already used for a different request."),
            422,
        )
    return IdempotentRequest(external_id, first_use=earlier is None)
