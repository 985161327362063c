"""The bot's entry point for one update: who is talking, in which state, and what they sent.

It routes commands (``/start``, ``/help``, ``/lapor``, ``/status``, ``/saya``,
``/batal``, ``/link``), button presses and messages; the report being written
is :mod:`.report`'s, the lookups :mod:`.lookup`'s, answers to staff
:mod:`.followup`'s and staff linking :mod:`.linking`'s. State lives in the
chat's ``Conversation`` row (see :mod:`.turn`).
"""

from __future__ import annotations

import logging

import telegram
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from complaints import clock
from complaints.extensions import db
from complaints.models import BlockedAddress, Conversation

from . import followup, linking, lookup, report, texts
from .client import TelegramClient
from .replies import Answer, Edit, Reply
from .transport import CHANNEL
from .turn import (
    CATEGORY,
    CONFIRM,
    DESCRIPTION,
    DRAFT_TTL,
    IDLE,
    LOCATION,
    PHONE,
    PHOTO,
    Turn,
    message_id_of,
)

logger = logging.getLogger(__name__)


def answer_update(update: Update, client: TelegramClient) -> list[Reply]:
    """Handle one (deduplicated) update in the current transaction; return the bot's replies.

    Only messages, their edits and button presses in private chats are
    served. Other updates (the citizen blocked the bot, a reaction, a group)
    get no answer: there is nobody to explain anything to, or no right to.
    """
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or _blocked(chat.id):
        return []
    if update.callback_query is None and update.message is None and update.edited_message is None:
        logger.debug("telegram update %s of an unserved type ignored", update.update_id)
        return []
    conversation = lock_conversation(chat.id, update.effective_user)
    turn = Turn(chat.id, conversation, update.effective_user, client)
    _forget_stale_draft(turn)
    with force_locale(turn.locale):
        if update.callback_query is not None:
            _on_button(turn, update.callback_query)
        elif update.message is not None:
            _on_message(turn, update.message)
        else:
            turn.say(gettext("I do not read edited messages. Please send the change as a new one."))
    return turn.replies


def _blocked(chat_id: int) -> bool:
    return (
        db.session.scalar(
            select(BlockedAddress.id).where(
                BlockedAddress.channel == CHANNEL, BlockedAddress.address == str(chat_id)
            )
        )
        is not None
    )


def _locale_of(sender: telegram.User | None) -> str:
    code = (sender.language_code or "") if sender else ""
    return "en" if code.lower().startswith("en") else "id"


def lock_conversation(chat_id: int, sender: telegram.User | None) -> Conversation:
    """The chat's conversation row, created on first contact, locked until commit.

    The row lock (FOR UPDATE on PostgreSQL; SQLite has one writer anyway)
    keeps two updates of one chat — an album of photos arrives as several
    at once — from overwriting each other's draft.
    """
    query = (
        select(Conversation)
        .where(Conversation.channel == CHANNEL, Conversation.address == str(chat_id))
        .with_for_update()
    )
    conversation = db.session.scalar(query)
    if conversation is not None:
        return conversation
    conversation = Conversation(
        channel=CHANNEL,
        address=str(chat_id),
        state=IDLE,
        data={"locale": _locale_of(sender)},
        updated_at=clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(conversation)
    except IntegrityError:  # another worker created it a moment ago
        return db.session.scalars(query).one()
    return conversation


def _forget_stale_draft(turn: Turn) -> None:
    if turn.state != IDLE and turn.conversation.updated_at < clock.now() - DRAFT_TTL:
        turn.save(IDLE, None)


def _content_kind(message: telegram.Message) -> str:
    if message.text:
        return "text"
    if message.photo:
        return "photo"
    document = message.document
    if document and not message.animation and (document.mime_type or "").startswith("image/"):
        return "photo"
    if message.location:
        return "location"
    if message.contact:
        return "contact"
    return "other"


def _on_message(turn: Turn, message: telegram.Message) -> None:
    kind = _content_kind(message)
    text = (message.text or "").strip()
    if kind == "other":
        turn.say(texts.unsupported_text())
    elif turn.state in (PHOTO, LOCATION, PHONE) and kind == "text" and report.is_skip(text):
        report.next_after(turn, turn.state, turn.draft)
    elif text.startswith("/"):
        _on_command(turn, text)
    else:
        handler = {
            IDLE: _on_idle,
            CATEGORY: report.on_category_message,
            DESCRIPTION: report.on_description,
            PHOTO: report.on_photo,
            LOCATION: report.on_location,
            PHONE: report.on_phone,
            CONFIRM: report.on_confirm_message,
        }.get(turn.state, _on_idle)
        handler(turn, message, kind)


def _on_command(turn: Turn, text: str) -> None:
    head, _, argument = text.partition(" ")
    command = head[1:].split("@", 1)[0].lower()
    argument = argument.strip()
    if command == "start":
        if argument.startswith("link_"):  # deep link t.me/<bot>?start=link_<code>
            _link(turn, argument[len("link_") :])
        else:
            turn.say(texts.welcome_text(), texts.welcome_keyboard())
    elif command in ("help", "bantuan"):
        turn.say(texts.help_text())
    elif command in ("lapor", "report", "baru", "new"):
        report.begin_report(turn)
    elif command == "status":
        turn.say(lookup.status_text(turn.chat_id, argument, turn.locale))
    elif command in ("saya", "mine"):
        turn.say(lookup.my_reports_text(turn.chat_id, turn.locale))
    elif command in ("batal", "cancel"):
        report.cancel(turn)
    elif command == "link":
        _link(turn, argument)
    elif command in ("bahasa", "language"):
        turn.say(texts.welcome_text(), texts.welcome_keyboard())
    else:
        turn.say(gettext("I do not know that command. Send /help to see what I can do."))


def _on_idle(turn: Turn, message: telegram.Message, kind: str) -> None:
    if kind == "text":
        replied = message.reply_to_message.message_id if message.reply_to_message else None
        complaint = followup.complaint_awaiting_answer(turn.chat_id, replied)
        if complaint is not None:
            followup.record_answer(complaint, (message.text or "").strip())
            turn.say(
                gettext("Thank you. Your answer was added to report %(code)s.", code=complaint.code)
            )
            return
    turn.say(
        gettext(
            'To report a problem, press "New report" or send /lapor. '
            "To check a report, send /status followed by its code."
        ),
        InlineKeyboardMarkup([[InlineKeyboardButton(gettext("New report"), callback_data="new")]]),
    )


def _link(turn: Turn, raw_code: str) -> None:
    if not raw_code.strip():
        turn.say(
            gettext(
                "Send the code from your profile page after the command, "
                "for example: /link 7K3Q-9M2X"
            )
        )
        return
    user = linking.link_chat(raw_code, turn.chat_id)
    if user is None:
        turn.say(
            gettext(
                "This code is not valid or has expired. Ask for a new one on your profile page."
            )
        )
        return
    with force_locale(user.locale):
        turn.say(
            gettext(
                "Your Telegram account is now linked to %(email)s. "
                "Assignment and escalation notices will arrive here.",
                email=user.email,
            )
        )


def _on_button(turn: Turn, query: CallbackQuery) -> None:
    action, _, rest = (query.data or "").partition(":")
    draft_id, _, value = rest.partition(":")
    if action == "new":
        turn.replies.append(Answer(query.id))
        report.begin_report(turn)
    elif action == "lang" and rest in ("id", "en"):
        _choose_language(turn, query, rest)
    elif action in report.DRAFT_BUTTONS and report.button_is_current(turn, action, draft_id):
        report.DRAFT_BUTTONS[action](turn, query, value)
    else:
        turn.replies.append(Answer(query.id, gettext("This button is no longer active.")))


def _choose_language(turn: Turn, query: CallbackQuery, locale: str) -> None:
    turn.set_locale(locale)
    with force_locale(locale):
        turn.replies.append(Answer(query.id))
        message_id = message_id_of(query)
        if message_id is not None:
            turn.replies.append(
                Edit(turn.chat_id, message_id, texts.welcome_text(), texts.welcome_keyboard())
            )
        else:
            turn.say(texts.welcome_text(), texts.welcome_keyboard())
