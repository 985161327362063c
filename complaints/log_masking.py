"""Keeping secrets and citizens' contact details out of the logs, whoever writes them.

Libraries log what they see: python-telegram-bot and httpx log the Bot API
URL, which carries the bot token; a provider's error text quotes the phone
number it refused; a database error quotes the row it could not write. Rather
than trust every logger, every log record is masked when it is created:

- the configured secrets (bot token, webhook secret, Twilio auth token,
  SECRET_KEY) become ``[secret]``;
- phone numbers keep their first digits and last three: ``+62812****123``;
- e-mail addresses keep their first letter and domain: ``s***@example.com``;
- a reporter's key in a link (``/track/<code>?key=…``, in an access log or a
  logged message) becomes ``key=[secret]``;
- a staff password-reset or invitation link's token (``/staff/reset/<token>``,
  ``/staff/invitation/<token>``) becomes ``/staff/reset/[secret]`` (or
  ``/staff/invitation/[secret]``).

A record factory, not a handler filter: filters on a logger see only that
logger's own records, and the handlers belong to whoever runs the app
(gunicorn, pytest, a log shipper). SQL parameters are kept out of SQLAlchemy's
logs and error messages by ``hide_parameters`` (see :func:`engine_options`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

SECRET_SETTINGS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "TWILIO_AUTH_TOKEN",
    "SECRET_KEY",
)
SECRET_MASK = "[secret]"  # noqa: S105 -- the mask, not a secret
# Shorter values would mask ordinary words; real secrets are far longer.
_MIN_SECRET_LENGTH = 8

# E.164 (+6281234567890), the Indonesian national form (0812-3456-7890) and
# WhatsApp's bare digits (6281234567890); separators as people type them.
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}|0|62)(?:[ .-]?\d){8,13}(?!\w)")
_EMAIL = re.compile(r"\b([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)\b")
_REPORTER_KEY = re.compile(r"([?&]key=)[\w-]+")
_RESET_TOKEN = re.compile(r"(/staff/(?:reset|invitation)/)[\w-]+")

# Replaced, never changed in place: threads logging meanwhile read a consistent tuple.
_secrets: tuple[str, ...] = ()
_lock = threading.Lock()
_installed = False


def mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"[ .-]", "", match.group(0))
    if len(digits) < 10:
        return match.group(0)  # too short for a phone number: a count, an id, an amount
    return f"{digits[:6]}****{digits[-3:]}"


def mask(text: str) -> str:
    """``text`` with secrets, phone numbers and e-mail addresses masked."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, SECRET_MASK)
    text = _REPORTER_KEY.sub(r"\1" + SECRET_MASK, text)
    text = _RESET_TOKEN.sub(r"\1" + SECRET_MASK, text)
    text = _PHONE.sub(mask_phone, text)
    return _EMAIL.sub(r"\1***@\2", text)


def register_secrets(config: Mapping[str, Any]) -> None:
    """Remember the app's secrets (a bot token also without its bot id prefix)."""
    found = set()
    for name in SECRET_SETTINGS:
        value = config.get(name)
        if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH:
            found.add(value)
            _, _, after_colon = value.partition(":")
            if len(after_colon) >= _MIN_SECRET_LENGTH:
                found.add(after_colon)
    global _secrets
    with _lock:
        # Longest first, so a token is masked whole before its suffix is looked for.
        _secrets = tuple(sorted(found.union(_secrets), key=len, reverse=True))


def install() -> None:
    """Mask every log record of this process from now on (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        create_record = logging.getLogRecordFactory()

        def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = create_record(*args, **kwargs)
            _mask_record(record)
            return record

        logging.setLogRecordFactory(masked_record)
        _installed = True


def _mask_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        return  # a malformed call: logging reports it when the record is handled
    try:
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            # Formatted now so the traceback's messages are masked too; formatters
            # use exc_text as it is when it is set.
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
    except Exception:  # logging must never break the code that logs
        record.msg, record.args = "[message withheld: it could not be masked]", ()
        record.exc_info = record.exc_text = None


def engine_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """SQLAlchemy engine options that keep SQL parameter values out of logs and errors."""
    return {"hide_parameters": True, **options}


def init_app(app: Any) -> None:
    """Call first in create_app: channels log their settings as they start."""
    register_secrets(app.config)
    install()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    )
