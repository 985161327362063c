"""The reporter's key: what lets a complaint's reporter act on it (DESIGN.md).

The tracking code lets whoever holds it read the complaint's public page;
confirming, reopening, rating and adding information need the key, which
only the reporter is given: on the page right after filing (that browser is
remembered in its signed session), in the acknowledgement's link
``/track/<code>?key=…``, and in the API's and Open311's answer to the filing.

The key is 128 bits derived at intake as HMAC-SHA256(SECRET_KEY, code); only
its SHA-256 hash is stored (``reporter_keys``), and a key is accepted when it
matches that hash. Derived rather than drawn at random so that a later
message to the reporter (the request to confirm a resolution) and an
idempotent replay of the filing can carry the same key without storing it.
SECRET_KEY already signs sessions, so whoever knows it could pose as any
remembered browser anyway: the derivation reveals nothing more. Checked
against the stored hash, a key already given out survives a new SECRET_KEY
(later messages then carry no key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app, session
from sqlalchemy import select

from .extensions import db
from .models import Complaint, ReporterKey

QUERY_ARG = "key"
_SESSION_CODES = "reporter_of"
_REMEMBERED_CODES = 20  # a browser that filed more is remembered for the latest ones
_KEY_BYTES = 16


def derive(code: str) -> str:
    """The reporter key of the complaint with tracking code ``code`` (URL-safe, 22 characters)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, b"reporter-key\0" + code.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_KEY_BYTES]).decode().rstrip("=")


def hash_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key_row(complaint: Complaint) -> tuple[ReporterKey, str]:
    """The row to store with a new complaint (it must have its id), and the key it proves."""
    key = derive(complaint.code)
    return ReporterKey(complaint_id=complaint.id, key_hash=hash_of(key)), key


def _stored_hash(complaint: Complaint) -> str | None:
    return db.session.scalar(
        select(ReporterKey.key_hash).where(ReporterKey.complaint_id == complaint.id)
    )


def matches(complaint: Complaint, key: str | None) -> bool:
    """True when ``key`` is the reporter key of ``complaint``."""
    if not key or len(key) > 64:
        return False
    stored = _stored_hash(complaint)
    return stored is not None and hmac.compare_digest(stored, hash_of(key))


def key_for(complaint: Complaint) -> str | None:
    """The complaint's key to send its reporter again, or None when it cannot be given.

    None for a complaint filed before keys existed, or when SECRET_KEY changed
    since it was filed (the derived key no longer matches the stored hash).
    """
    key = derive(complaint.code)
    return key if matches(complaint, key) else None


def remember(code: str) -> None:
    """Remember this browser as the reporter of ``code`` (the session is signed)."""
    codes = [held for held in session.get(_SESSION_CODES, []) if held != code]
    session[_SESSION_CODES] = [*codes, code][-_REMEMBERED_CODES:]


def is_remembered(code: str) -> bool:
    return code in session.get(_SESSION_CODES, [])
