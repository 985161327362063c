"""The bot's longer texts and its keyboards, built in the current (forced) locale.

Every text the citizen reads is a catalog message with an English source
string; the Indonesian wording lives in ``translations/``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup


def welcome_text() -> str:
    return gettext(
        "Welcome to Aduan, the complaint service of Kabupaten Bone Bolango. Report a problem "
        "with a public service here and follow how it is handled.\n\n"
        'Press "New report" to begin, or send /help to see everything I can do.'
    )


def help_text() -> str:
    return gettext(
        "Here is what I can do:\n"
        "/lapor – make a new report\n"
        "/status CODE – see how a report is doing, for example /status ADU-7K3Q-9M2X\n"
        "/saya – your reports from this chat\n"
        "/batal – cancel the report you are writing\n"
        "/start – welcome and language choice"
    )


def unsupported_text() -> str:
    return gettext(
        "Sorry, I can only read text, photos, locations and contacts. "
        "Please write your message as text."
    )


def location_text() -> str:
    return gettext(
        'Where is the problem? Press "Send my location" if you are there, or pick the place '
        "with 📎 → Location. Or press Skip."
    )


def phone_text() -> str:
    return gettext(
        "The unit may need to call you about this report. Press "
        '"Share my phone number" to give it, or press Skip. '
        "Your number is never shown publicly."
    )


def cancelled_text() -> str:
    return gettext("Report cancelled. Send /lapor whenever you want to start again.")


def welcome_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(gettext("New report"), callback_data="new")],
            [
                InlineKeyboardButton("Bahasa Indonesia", callback_data="lang:id"),
                InlineKeyboardButton("English", callback_data="lang:en"),
            ],
        ]
    )


def photo_keyboard(draft: dict[str, Any]) -> InlineKeyboardMarkup:
    label = gettext("Done") if draft.get("photos") else gettext("Skip")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"photos:{draft['id']}")]]
    )


def _share_or_skip(share: KeyboardButton) -> ReplyKeyboardMarkup:
    # A reply keyboard: only these buttons can ask Telegram for a location or a contact.
    return ReplyKeyboardMarkup(
        [[share], [KeyboardButton(gettext("Skip"))]], resize_keyboard=True, one_time_keyboard=True
    )


def location_keyboard() -> ReplyKeyboardMarkup:
    return _share_or_skip(KeyboardButton(gettext("Send my location"), request_location=True))


def phone_keyboard() -> ReplyKeyboardMarkup:
    return _share_or_skip(KeyboardButton(gettext("Share my phone number"), request_contact=True))


def _yes_no(flag: object) -> str:
    return gettext("yes") if flag else gettext("no")


def confirm_text(draft: dict[str, Any]) -> str:
    """The question under the summary, with the two privacy choices in plain words.

    The choices live here rather than in the summary because this is the
    message a toggle edits: the summary above it is never updated.
    """
    return "\n".join(
        [
            gettext("Send this report?"),
            "",
            gettext(
                "Anonymous (staff do not see your name and number, only administrators): "
                "%(choice)s",
                choice=_yes_no(draft.get("anonymous")),
            ),
            gettext(
                "Confidential (your report is never shown on the public page): %(choice)s",
                choice=_yes_no(draft.get("confidential")),
            ),
            gettext("Tap a choice below to change it."),
        ]
    )


def confirm_keyboard(draft: dict[str, Any]) -> InlineKeyboardMarkup:
    """The privacy toggles (each showing its state), then Send / Cancel."""
    anonymous = gettext("Anonymous: yes") if draft.get("anonymous") else gettext("Anonymous: no")
    confidential = (
        gettext("Confidential: yes") if draft.get("confidential") else gettext("Confidential: no")
    )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(anonymous, callback_data=f"anon:{draft['id']}"),
                InlineKeyboardButton(confidential, callback_data=f"conf:{draft['id']}"),
            ],
            [
                InlineKeyboardButton(gettext("Send"), callback_data=f"send:{draft['id']}"),
                InlineKeyboardButton(gettext("Cancel"), callback_data=f"cancel:{draft['id']}"),
            ],
        ]
    )
