"""The outbox's sender for channel ``telegram``: one Bot API sendMessage per message.

Error mapping (what the drain does next):

- ``Forbidden`` (the citizen blocked the bot, deleted their account) and
  ``BadRequest`` (chat not found, text rejected) → PermanentFailure: retrying
  cannot help, the message is failed at once and shown to admins;
- ``ChatMigrated`` → PermanentFailure (only group chats migrate; we talk to
  people in private chats);
- ``RetryAfter`` (flood control: the next attempt waits at least Telegram's
  ``retry_after``), ``TimedOut``, ``NetworkError`` (Telegram
  down, HTTP 5xx), ``InvalidToken`` (a misconfigured token that an operator
  will fix) and any other ``TelegramError`` → TemporaryFailure, retried
  with backoff.
"""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta

from telegram.constants import MessageLimit
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from complaints.outbox import Delivery, PermanentFailure, TemporaryFailure

from .client import TelegramClient

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
# Telegram's limit counts characters after entity parsing; we send plain text.
MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)


def split_text(body: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a long body into Telegram-sized parts, at a line break or space where possible."""
    parts = []
    rest = body
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut <= limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [part for part in parts if part] or [body]


def _retry_after(error: RetryAfter) -> timedelta:
    """Telegram's flood-control wait (an int of seconds or a timedelta, by PTB version)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait if isinstance(wait, timedelta) else timedelta(seconds=wait)


def _describe(error: TelegramError) -> str:
    """What admins read as the failure: the error class, then Telegram's words."""
    name = type(error).__name__
    if error.message.lower().startswith(name.lower()):
        return error.message  # "Forbidden: bot was blocked by the user"
    return f"{name}: {error.message}"


class TelegramTransport:
    """Delivers outbox messages to Telegram chats (citizens and linked staff)."""

    channel = CHANNEL

    def __init__(self, client: TelegramClient) -> None:
        self._client = client

    def send(self, address: str, body: str) -> Delivery:
        """Send ``body`` to chat ``address``; the provider id is Telegram's message_id.

        A body longer than Telegram allows goes out in parts; the first part's
        id identifies the delivery (a citizen's reply to any part still reaches
        the complaint through the outbox row's chat).
        """
        message_ids = []
        try:
            for part in split_text(body):
                message_ids.append(self._client.send_message(address, part))
        except (Forbidden, BadRequest, ChatMigrated) as error:
            raise PermanentFailure(_describe(error)) from error
        except RetryAfter as error:
            raise TemporaryFailure(_describe(error), _retry_after(error)) from error
        except TelegramError as error:
            raise TemporaryFailure(_describe(error)) from error
        return Delivery(provider_message_id=str(message_ids[0]), provider_status="sent")
