"""Tracking codes: short, unguessable, easy to read out and type.

``ADU-7K3Q-9M2X``: eight symbols of Crockford's base32 (no I, L, O, U), 40
random bits from ``secrets``. Input is case-insensitive and forgives the
look-alikes Crockford maps (I/L → 1, O → 0) and missing or extra dashes.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm.interfaces import ORMOption

from .extensions import db
from .models import Complaint

PREFIX = "ADU"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


def random_symbols(count: int = 8) -> str:
    """``count`` random Crockford symbols from ``secrets``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(count))


def typed_symbols(raw: str) -> str:
    """What someone typed, upper-cased, without separators, look-alikes mapped (Crockford)."""
    return _SEPARATORS.sub("", raw.strip().upper()).translate(_LOOKALIKES)


def new_code() -> str:
    """Return a fresh random tracking code (collisions are caught by the unique index)."""
    symbols = random_symbols()
    return f"{PREFIX}-{symbols[:4]}-{symbols[4:]}"


def normalize_code(raw: str) -> str | None:
    """Return the canonical form of a typed code, or None if it cannot be one."""
    cleaned = typed_symbols(raw)
    if cleaned.startswith(PREFIX):
        cleaned = cleaned[len(PREFIX) :]
    elif cleaned.startswith("AD0"):  # "ADO-…" typed with the letter O
        cleaned = cleaned[3:]
    if len(cleaned) != 8 or any(symbol not in ALPHABET for symbol in cleaned):
        return None
    return f"{PREFIX}-{cleaned[:4]}-{cleaned[4:]}"


def complaint_by_code(raw: str | None, *loads: ORMOption) -> Complaint | None:
    """The complaint a typed tracking code names (any spelling it forgives), or None.

    ``loads`` are loader options for the relations the caller will read.
    """
    code = normalize_code(raw or "")
    if code is None:
        return None
    return db.session.scalar(select(Complaint).where(Complaint.code == code).options(*loads))
