"""What the bot answers directly, collected while an update is handled and sent after commit.

Handlers never call the Bot API in the middle of a database transaction:
they return these small values, and :func:`perform` sends them once the
conversation state is committed. So a slow Telegram never holds a database
lock, and a reply is never sent for a state change that was rolled back.
These are the conversation's own prompts; everything a citizen must not
miss (acknowledgement with the tracking code, status changes, staff
replies) goes through the outbox instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup
from telegram.error import TelegramError

from .client import ReplyMarkup, TelegramClient

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Say:
    """A new message in the chat."""

    chat_id: int
    text: str
    markup: ReplyMarkup | None = None


@dataclass(frozen=True)
class Edit:
    """Change a message the bot sent earlier; ``text=None`` only drops its buttons."""

    chat_id: int
    message_id: int
    text: str | None
    markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Answer:
    """Acknowledge a button press (stops the spinner; ``text`` shows as a toast)."""

    callback_query_id: str
    text: str | None = None


Reply = Say | Edit | Answer


def _perform_one(client: TelegramClient, reply: Reply) -> None:
    if isinstance(reply, Say):
        client.send_message(reply.chat_id, reply.text, reply.markup)
    elif isinstance(reply, Answer):
        client.answer_callback_query(reply.callback_query_id, reply.text)
    elif reply.text is None:
        client.call(
            lambda bot: bot.edit_message_reply_markup(
                chat_id=reply.chat_id, message_id=reply.message_id, reply_markup=reply.markup
            )
        )
    else:
        client.edit_message_text(reply.chat_id, reply.message_id, reply.text, reply.markup)


def perform(client: TelegramClient, replies: Iterable[Reply]) -> None:
    """Send the replies in order; a failed one is logged and the rest still go out.

    The state they describe is already committed: a lost prompt costs the
    citizen one "/help", while raising here would make Telegram redeliver an
    update we have already processed.
    """
    for reply in replies:
        try:
            _perform_one(client, reply)
        except TelegramError as error:
            logger.warning("telegram reply %s failed: %s", type(reply).__name__, error)
