"""Meta's webhook checks: the verify handshake and ``X-Hub-Signature-256``.

- ``GET``: Meta subscribes the webhook with ``hub.mode=subscribe``,
  ``hub.verify_token`` (the string typed in its console) and
  ``hub.challenge``, which we echo only when the token matches.
- ``POST``: ``X-Hub-Signature-256`` is ``sha256=`` followed by the hex
  HMAC-SHA256 of the raw body with the app secret.

Both comparisons take constant time.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def sign(app_secret: str, body: bytes) -> str:
    """The header value Meta sends for ``body`` (also used by the tests' fake)."""
    return PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(app_secret: str | None, body: bytes, header: str) -> bool:
    if not app_secret or not header.startswith(PREFIX):
        return False
    return hmac.compare_digest(sign(app_secret, body), header.strip().lower())


def verify_token_matches(expected: str | None, mode: str, given: str) -> bool:
    if not expected or mode != "subscribe" or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
