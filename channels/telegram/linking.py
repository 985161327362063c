"""Linking a staff account to a Telegram chat, so notices reach staff there.

The staff profile page calls :func:`issue_link_code` and shows the code; the
staff member sends ``/link CODE`` to the bot, which calls :func:`link_chat`.
The code is short enough to type on a phone, random (40 bits from
``secrets``), valid for 15 minutes and usable once; only its SHA-256 is
stored. A slow hash is not needed: guessing 40 random bits through the Bot
API within 15 minutes is hopeless, and an unsalted digest can be looked up
by the unique index.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from complaints import clock
from complaints.codes import ALPHABET, random_symbols, typed_symbols
from complaints.extensions import db
from complaints.models import AuditLog, User

logger = logging.getLogger(__name__)

LINK_CODE_TTL = timedelta(minutes=15)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _canonical(raw: str) -> str | None:
    """The typed code without separators, look-alikes mapped (Crockford), or None."""
    cleaned = typed_symbols(raw)
    if len(cleaned) != 8 or any(symbol not in ALPHABET for symbol in cleaned):
        return None
    return cleaned


def issue_link_code(user: User, *, now: datetime | None = None) -> str:
    """Give ``user`` a fresh one-time code (``XXXX-XXXX``) for ``/link``; the caller commits.

    A new code replaces any earlier one, so only the code last shown works.
    """
    symbols = random_symbols()
    user.telegram_link_code_hash = _digest(symbols)
    user.telegram_link_expires_at = (now or clock.now()) + LINK_CODE_TTL
    return f"{symbols[:4]}-{symbols[4:]}"


def link_chat(raw_code: str, chat_id: int | str, *, now: datetime | None = None) -> User | None:
    """Link the chat to the active staff member whose unexpired code this is; else None.

    The code is spent; the chat is unlinked from any other staff account
    (one person, one chat), and the link is written to the audit log. The
    caller commits.
    """
    code = _canonical(raw_code)
    if code is None:
        return None
    moment = now or clock.now()
    user = db.session.scalar(
        select(User).where(
            User.telegram_link_code_hash == _digest(code),
            User.telegram_link_expires_at > moment,
            User.active.is_(True),
        )
    )
    if user is None:
        return None
    address = str(chat_id)
    db.session.execute(
        update(User)
        .where(User.telegram_chat_id == address, User.id != user.id)
        .values(telegram_chat_id=None)
        .execution_options(synchronize_session=False)
    )
    user.telegram_chat_id = address
    user.telegram_link_code_hash = None
    user.telegram_link_expires_at = None
    db.session.add(
        AuditLog(
            at=moment,
            actor_user_id=user.id,
            action="telegram_linked",
            target_type="user",
            target_id=user.id,
            detail={"chat_id": address},
        )
    )
    logger.info("staff user %s linked a Telegram chat", user.id)
    return user
