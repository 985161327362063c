"""The gateway's webhook signature: hex HMAC-SHA256 of the raw body followed by the timestamp.

SMS Gateway for Android signs each webhook request with the signing key set
in the app: ``X-Signature`` is the hex HMAC-SHA256 of the raw body bytes
followed by ``X-Timestamp`` (Unix seconds, as text). A request is accepted
only when the signature matches (compared in constant time) and the
timestamp is within ``MAX_AGE`` of our clock, either way: an old request
replayed by someone who captured it is refused, and so is one stamped far
ahead (a replay prepared for later).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
MAX_AGE = timedelta(minutes=5)


def sign(key: str, body: bytes, timestamp: str) -> str:
    """The signature the gateway sends for ``body`` at ``timestamp`` (also used by tests' fake)."""
    return hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


def signature_valid(
    key: str | None, body: bytes, timestamp: str, signature: str, now: datetime
) -> bool:
    """True when ``signature`` is the key's over body + timestamp and the timestamp is recent."""
    if not key or not signature or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    age = now.timestamp() - int(timestamp)
    if abs(age) > MAX_AGE.total_seconds():
        return False
    expected = sign(key, body, timestamp)
    return hmac.compare_digest(expected, signature.strip().lower())
