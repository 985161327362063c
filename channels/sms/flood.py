"""The per-number flood limit of the SMS and WhatsApp channels.

A number may send ``SMS_MAX_INBOUND_PER_HOUR`` messages (default 30) in a
clock hour of :func:`complaints.clock.now`. The first message over that is
answered once, politely; the rest of the hour is silence, and nothing the
number sends is stored.

The counts live in the rate-limit storage that Flask-Limiter and Telegram's
flood limit use (``RATELIMIT_STORAGE_URI``: Redis when ``REDIS_URL`` is set),
so every worker on every host shares them; while that storage is down each
process counts alone, and intake goes on. This limit stays on with
``RATELIMIT_ENABLED=0``: it shapes the conversation (a reply, then silence),
it is not an HTTP 429. A key holds an HMAC of the number, never the number.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import time
from datetime import datetime, timedelta

from flask import Flask, current_app
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
EXTENSION_KEY = "aduan_sms_flood"
# After the storage failed, the process counts alone this long before trying it again.
RETRY_STORAGE_AFTER = 30.0


class RateDecision(enum.Enum):
    ADMIT = "admit"
    WARN = "warn"  # the first message over the limit: tell the sender once
    DROP = "drop"


class SenderCounts:
    """Messages per sender and clock hour, in the app's rate-limit storage."""

    def __init__(self, storage: Storage, secret: str, prefix: str) -> None:
        self.storage = storage
        self._secret = secret.encode()
        self._prefix = prefix
        self._fallback: MemoryStorage | None = None
        self._retry_storage_at = 0.0

    def key(self, channel: str, address: str, now: datetime) -> str:
        """The sender's key for the hour of ``now``, laid out as Flask-Limiter lays out its own."""
        message = f"sms-sender\0{channel}\0{address}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]
        hour = int(now.timestamp() // WINDOW.total_seconds())
        prefix = [self._prefix] if self._prefix else []
        return "/".join(["LIMITER", *prefix, "sms-sender", channel, digest, str(hour)])

    def hit(self, key: str) -> int:
        """Count one message under ``key``; the number counted so far, this one included."""
        expiry = int(WINDOW.total_seconds())
        if time.monotonic() >= self._retry_storage_at:
            try:
                return self.storage.incr(key, expiry)
            except StorageError:
                logger.warning("rate-limit storage failed; SMS senders are counted per process")
                self._retry_storage_at = time.monotonic() + RETRY_STORAGE_AFTER
        if self._fallback is None:
            self._fallback = MemoryStorage()
        return self._fallback.incr(key, expiry)


def init_app(app: Flask) -> None:
    """Open the app's rate-limit storage for the SMS counts (connections are made on use)."""
    options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    storage = storage_from_string(
        app.config.get("RATELIMIT_STORAGE_URI") or "memory://", wrap_exceptions=True, **options
    )
    if not isinstance(storage, Storage):  # an "async+…" URI: Flask is synchronous
        raise TypeError("RATELIMIT_STORAGE_URI must name a synchronous storage")
    prefix = app.config.get("RATELIMIT_KEY_PREFIX") or ""
    app.extensions[EXTENSION_KEY] = SenderCounts(storage, str(app.config["SECRET_KEY"]), prefix)


def admit(channel: str, address: str, limit: int, now: datetime) -> RateDecision:
    """Count one message from the sender against its hour.

    The one atomic increment decides, on whichever worker: up to ``limit``
    the message is admitted, exactly one message is the ``limit + 1``-th and
    gets the warning, every later one is dropped.
    """
    counts: SenderCounts = current_app.extensions[EXTENSION_KEY]
    count = counts.hit(counts.key(channel, address, now))
    if count <= limit:
        return RateDecision.ADMIT
    if count > limit + 1:
        return RateDecision.DROP
    logger.warning("%s sender ...%s is over %d messages an hour", channel, address[-4:], limit)
    return RateDecision.WARN
