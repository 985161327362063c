"""What the bot remembers about a chat, and the replies one update produces.

Any worker can answer the next message: everything the bot remembers about a
chat (its language and the report being written) is the chat's
``Conversation`` row, read under a row lock at the start of each update.

States (``Conversation.state``) and what moves between them::

    idle ──/lapor or "New report"──▶ category ──button──▶ description ──text──▶ photo
    photo ──photos, then Done/Skip──▶ location ──location or Skip──▶ phone
    phone ──own contact or Skip──▶ confirm ──Send──▶ idle (complaint submitted)
    confirm ──Anonymous / Confidential toggle──▶ confirm (the choice flipped)
    any drafting state ──/batal or Cancel──▶ idle

``Conversation.data`` holds ``locale`` and ``draft`` (``id``, ``category_id``,
``description``, ``photos`` as Telegram file ids, ``lat``/``lon``/``address``,
``phone``, ``anonymous`` and ``confidential`` flags, absent until toggled).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import telegram
from telegram import CallbackQuery

from complaints import clock
from complaints.models import Conversation

from .client import ReplyMarkup, TelegramClient
from .replies import Reply, Say

IDLE, CATEGORY, DESCRIPTION, PHOTO, LOCATION, PHONE, CONFIRM = (
    "idle",
    "category",
    "description",
    "photo",
    "location",
    "phone",
    "confirm",
)
# A draft left alone this long is forgotten: the next message starts afresh.
DRAFT_TTL = timedelta(hours=24)


@dataclass
class Turn:
    """One update being answered: the chat, its stored conversation, the replies to send."""

    chat_id: int
    conversation: Conversation
    sender: telegram.User | None
    client: TelegramClient
    replies: list[Reply] = field(default_factory=list)

    @property
    def state(self) -> str:
        return self.conversation.state

    @property
    def locale(self) -> str:
        return str((self.conversation.data or {}).get("locale") or "id")

    @property
    def draft(self) -> dict[str, Any]:
        """A copy: JSON columns notice a change only when a new value is assigned."""
        return dict((self.conversation.data or {}).get("draft") or {})

    def save(self, state: str, draft: dict[str, Any] | None) -> None:
        data = dict(self.conversation.data or {})
        if draft is None:
            data.pop("draft", None)
        else:
            data["draft"] = draft
        self.conversation.data = data
        self.conversation.state = state
        self.conversation.updated_at = clock.now()

    def set_locale(self, locale: str) -> None:
        self.conversation.data = {**(self.conversation.data or {}), "locale": locale}

    def say(self, text: str, markup: ReplyMarkup | None = None) -> None:
        self.replies.append(Say(self.chat_id, text, markup))


def message_id_of(query: CallbackQuery) -> int | None:
    # A message older than 48 hours is "inaccessible" but still has its id.
    return query.message.message_id if query.message is not None else None
