"""Writing a report step by step, then submitting it through intake.

The draft ``id`` is in every button's callback data, so a button of an
older or finished draft is recognised and ignored; it is also the
complaint's ``external_id`` (``tg-<chat>-<draft>``), so pressing Send twice
or a crash between submitting and saving the state never files two
complaints.

One tracking code, sent once: the complaint is acknowledged by intake
through the outbox (reliable, retried, in the citizen's language). The
bot's immediate answer to Send only says the report went in and that the
code follows; it does not repeat the code.

The anonymous and confidential choices are two toggles on the confirm
message, kept in the draft (off until the citizen turns them on) and passed
to intake with the rest.

Photos are downloaded from Telegram only when the citizen presses Send and
are validated by intake like every other channel's photos.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import telegram
from flask_babel import force_locale, gettext
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import TelegramError

from complaints.attachments import MAX_PHOTO_BYTES, MAX_PHOTOS, NewAttachment
from complaints.categories import active_categories
from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.intake import (
    MAX_DESCRIPTION,
    MIN_DESCRIPTION,
    Contact,
    normalize_phone,
    submit_complaint,
)
from complaints.models import Category

from . import texts
from .replies import Answer, Edit
from .transport import CHANNEL
from .turn import (
    CATEGORY,
    CONFIRM,
    DESCRIPTION,
    IDLE,
    LOCATION,
    PHONE,
    PHOTO,
    Turn,
    message_id_of,
)

logger = logging.getLogger(__name__)

# Which step to return to when intake refuses a field.
_STEP_OF_FIELD = {
    "category": CATEGORY,
    "description": DESCRIPTION,
    "photos": PHOTO,
    "lat": LOCATION,
    "lon": LOCATION,
    "phone": PHONE,
}
_DRAFT_KEYS_OF_STEP = {
    DESCRIPTION: ("description",),
    PHOTO: ("photos",),
    LOCATION: ("lat", "lon", "address"),
    PHONE: ("phone",),
}


def begin_report(turn: Turn) -> None:
    draft: dict[str, Any] = {"id": secrets.token_hex(4)}
    turn.save(CATEGORY, draft)
    prompt(turn, CATEGORY, draft)


def next_after(turn: Turn, step: str, draft: dict[str, Any]) -> None:
    """Leave an optional step (done or skipped) for the next one."""
    following = {PHOTO: LOCATION, LOCATION: PHONE, PHONE: CONFIRM}[step]
    turn.save(following, draft)
    prompt(turn, following, draft)


def on_category_message(turn: Turn, message: telegram.Message, kind: str) -> None:
    prompt(turn, CATEGORY, turn.draft)


def on_description(turn: Turn, message: telegram.Message, kind: str) -> None:
    draft = turn.draft
    text = (message.text if kind == "text" else message.caption) or ""
    text = text.strip()
    if not text:
        turn.say(
            gettext(
                "Please describe the problem in words (at least %(count)d characters).",
                count=MIN_DESCRIPTION,
            )
        )
        return
    if len(text) < MIN_DESCRIPTION:
        turn.say(
            gettext(
                "That is too short. Please describe the problem in at least %(count)d characters.",
                count=MIN_DESCRIPTION,
            )
        )
        return
    if len(text) > MAX_DESCRIPTION:
        turn.say(
            gettext(
                "That is too long. Please keep it under %(count)d characters.",
                count=MAX_DESCRIPTION,
            )
        )
        return
    draft["description"] = text
    if kind == "photo":  # a photo with a caption: the caption describes, the photo is kept
        _add_photo(turn, message, draft)
        return
    turn.save(PHOTO, draft)
    prompt(turn, PHOTO, draft)


def on_photo(turn: Turn, message: telegram.Message, kind: str) -> None:
    if kind == "photo":
        _add_photo(turn, message, turn.draft)
    else:
        prompt(turn, PHOTO, turn.draft)


def _photo_file(message: telegram.Message) -> tuple[str, str, int | None] | None:
    if message.photo:
        largest = message.photo[-1]  # Telegram lists the sizes from smallest to largest
        return largest.file_id, largest.file_unique_id, largest.file_size
    if message.document:
        document = message.document
        return document.file_id, document.file_unique_id, document.file_size
    return None


def _add_photo(turn: Turn, message: telegram.Message, draft: dict[str, Any]) -> None:
    photos: list[dict[str, str]] = list(draft.get("photos") or [])
    found = _photo_file(message)
    if found is None:
        return
    file_id, unique_id, size = found
    if len(photos) >= MAX_PHOTOS:
        turn.save(PHOTO, draft)
        turn.say(
            gettext(
                "A report can hold at most %(count)d photos. Press Done to go on.",
                count=MAX_PHOTOS,
            ),
            texts.photo_keyboard(draft),
        )
        return
    if size is not None and size > MAX_PHOTO_BYTES:
        turn.save(PHOTO, draft)
        turn.say(gettext("That photo is too large (at most 10 MB). Please send a smaller one."))
        return
    if all(photo["unique_id"] != unique_id for photo in photos):
        photos.append({"file_id": file_id, "unique_id": unique_id})
    draft["photos"] = photos
    turn.save(PHOTO, draft)
    turn.say(
        gettext("Photo %(number)d received. Send another one, or press Done.", number=len(photos)),
        texts.photo_keyboard(draft),
    )


def on_location(turn: Turn, message: telegram.Message, kind: str) -> None:
    if kind != "location" or message.location is None:
        prompt(turn, LOCATION, turn.draft)
        return
    draft = turn.draft
    draft["lat"] = message.location.latitude
    draft["lon"] = message.location.longitude
    if message.venue is not None:
        draft["address"] = f"{message.venue.title}, {message.venue.address}"
    next_after(turn, LOCATION, draft)


def on_phone(turn: Turn, message: telegram.Message, kind: str) -> None:
    contact = message.contact
    if kind != "contact" or contact is None:
        prompt(turn, PHONE, turn.draft)
        return
    if turn.sender is not None and contact.user_id not in (None, turn.sender.id):
        turn.say(gettext("Please share your own number with the button, or press Skip."))
        return
    raw = contact.phone_number
    phone = normalize_phone(raw if raw.startswith("+") else f"+{raw}")
    if phone is None:
        turn.say(gettext("That phone number is not valid. Please press Skip."))
        return
    draft = turn.draft
    draft["phone"] = phone
    next_after(turn, PHONE, draft)


def on_confirm_message(turn: Turn, message: telegram.Message, kind: str) -> None:
    prompt(turn, CONFIRM, turn.draft)


def is_skip(text: str) -> bool:
    words = {"skip", "lewati", "done", "selesai", "/skip", "/lewati"}
    for locale in ("id", "en"):
        with force_locale(locale):
            words.update({gettext("Skip").lower(), gettext("Done").lower()})
    return text.lower() in words


def prompt(turn: Turn, step: str, draft: dict[str, Any]) -> None:
    """Ask for what ``step`` needs (also used to ask again after a wrong answer)."""
    if step == CATEGORY:
        categories = active_categories()
        buttons = [
            [InlineKeyboardButton(c.name(turn.locale), callback_data=f"cat:{draft['id']}:{c.id}")]
            for c in categories
        ]
        turn.say(gettext("Which topic is your report about?"), InlineKeyboardMarkup(buttons))
    elif step == DESCRIPTION:
        turn.say(
            gettext(
                "Describe the problem: what happened, where exactly, and since when "
                "(at least %(count)d characters).",
                count=MIN_DESCRIPTION,
            )
        )
    elif step == PHOTO:
        turn.say(
            gettext(
                "You may send up to %(count)d photos of the problem. Send them now, or press Skip.",
                count=MAX_PHOTOS,
            )
            if not draft.get("photos")
            else gettext("Send another photo, or press Done."),
            texts.photo_keyboard(draft),
        )
    elif step == LOCATION:
        turn.say(texts.location_text(), texts.location_keyboard())
    elif step == PHONE:
        turn.say(texts.phone_text(), texts.phone_keyboard())
    elif step == CONFIRM:
        turn.say(_summary_text(turn, draft), ReplyKeyboardRemove())
        turn.say(texts.confirm_text(draft), texts.confirm_keyboard(draft))


def _summary_text(turn: Turn, draft: dict[str, Any]) -> str:
    category = db.session.get(Category, draft.get("category_id") or 0)
    lines = [
        gettext("Please check your report:"),
        gettext("Topic: %(category)s", category=category.name(turn.locale) if category else "–"),
        gettext("Description: %(description)s", description=draft.get("description", "")),
        gettext("Photos: %(count)d", count=len(draft.get("photos") or [])),
    ]
    if draft.get("lat") is not None:
        lines.append(gettext("Location: %(lat).5f, %(lon).5f", lat=draft["lat"], lon=draft["lon"]))
    else:
        lines.append(gettext("Location: not given"))
    if draft.get("phone"):
        lines.append(gettext("Phone: %(phone)s", phone=draft["phone"]))
    else:
        lines.append(gettext("Phone: not given"))
    return "\n".join(lines)


def cancel(turn: Turn) -> None:
    if turn.state == IDLE:
        turn.say(gettext("There is no report in progress. Send /lapor to start one."))
        return
    turn.save(IDLE, None)
    turn.say(texts.cancelled_text(), ReplyKeyboardRemove())


def button_is_current(turn: Turn, action: str, draft_id: str) -> bool:
    expected_state = {
        "cat": CATEGORY,
        "photos": PHOTO,
        "anon": CONFIRM,
        "conf": CONFIRM,
        "send": CONFIRM,
        "cancel": CONFIRM,
    }
    return turn.state == expected_state[action] and turn.draft.get("id") == draft_id


def _on_category_button(turn: Turn, query: CallbackQuery, value: str) -> None:
    category = db.session.get(Category, int(value)) if value.isdigit() else None
    draft = turn.draft
    if category is None or not category.active:
        turn.replies.append(Answer(query.id, gettext("This button is no longer active.")))
        prompt(turn, CATEGORY, draft)
        return
    draft["category_id"] = category.id
    turn.save(DESCRIPTION, draft)
    turn.replies.append(Answer(query.id))
    message_id = message_id_of(query)
    if message_id is not None:
        turn.replies.append(
            Edit(
                turn.chat_id,
                message_id,
                gettext("Topic: %(category)s", category=category.name(turn.locale)),
            )
        )
    prompt(turn, DESCRIPTION, draft)


def _on_photos_done(turn: Turn, query: CallbackQuery, value: str) -> None:
    turn.replies.append(Answer(query.id))
    message_id = message_id_of(query)
    if message_id is not None:
        turn.replies.append(Edit(turn.chat_id, message_id, None))  # drop the Done button
    next_after(turn, PHOTO, turn.draft)


def _toggle(turn: Turn, query: CallbackQuery, choice: str) -> None:
    """Flip a privacy choice in the stored draft and show it on the confirm message."""
    draft = turn.draft
    draft[choice] = not draft.get(choice)
    turn.save(CONFIRM, draft)
    turn.replies.append(Answer(query.id))
    message_id = message_id_of(query)
    if message_id is not None:
        turn.replies.append(
            Edit(turn.chat_id, message_id, texts.confirm_text(draft), texts.confirm_keyboard(draft))
        )
    else:
        turn.say(texts.confirm_text(draft), texts.confirm_keyboard(draft))


def _on_anonymous_button(turn: Turn, query: CallbackQuery, value: str) -> None:
    _toggle(turn, query, "anonymous")


def _on_confidential_button(turn: Turn, query: CallbackQuery, value: str) -> None:
    _toggle(turn, query, "confidential")


def _on_cancel_button(turn: Turn, query: CallbackQuery, value: str) -> None:
    turn.save(IDLE, None)
    turn.replies.append(Answer(query.id))
    message_id = message_id_of(query)
    if message_id is not None:
        turn.replies.append(Edit(turn.chat_id, message_id, texts.cancelled_text()))
    else:
        turn.say(texts.cancelled_text())


def _download_photos(turn: Turn, draft: dict[str, Any]) -> list[NewAttachment]:
    return [
        NewAttachment(
            filename=f"telegram-{photo['unique_id']}.jpg",
            content=turn.client.download_file(photo["file_id"]),
        )
        for photo in draft.get("photos") or []
    ]


def _on_send_button(turn: Turn, query: CallbackQuery, value: str) -> None:
    """Submit the draft through intake; on refusal, go back to the step at fault."""
    draft = turn.draft
    try:
        photos = _download_photos(turn, draft)
    except TelegramError as error:
        logger.warning("could not fetch a photo from Telegram: %s", error)
        turn.replies.append(Answer(query.id))
        turn.say(
            gettext(
                "Your photos could not be fetched from Telegram just now. "
                "Please press Send again in a moment."
            )
        )
        return
    sender = turn.sender
    try:
        result = submit_complaint(
            channel=CHANNEL,
            category=db.session.get(Category, draft.get("category_id") or 0),
            description=draft.get("description"),
            lat=draft.get("lat"),
            lon=draft.get("lon"),
            address=draft.get("address"),
            contact=Contact(
                name=sender.first_name if sender else None,
                phone=draft.get("phone"),
                telegram_chat_id=str(turn.chat_id),
            ),
            anonymous=bool(draft.get("anonymous")),
            confidential=bool(draft.get("confidential")),
            locale=turn.locale,
            external_id=f"tg-{turn.chat_id}-{draft['id']}",
            photos=photos,
        )
    except ValidationFailed as failure:
        _back_to_fault(turn, query, draft, failure)
        return
    # After intake's commit: if it rolled back and retried, our earlier changes are gone.
    turn.save(IDLE, None)
    logger.info("telegram chat filed complaint %s", result.complaint.code)
    turn.replies.append(Answer(query.id, gettext("Sent")))
    text = gettext(
        "Your report has been sent. Its tracking code will arrive in this chat in a moment."
    )
    message_id = message_id_of(query)
    if message_id is not None:
        turn.replies.append(Edit(turn.chat_id, message_id, text))
    else:
        turn.say(text)


def _back_to_fault(
    turn: Turn, query: CallbackQuery, draft: dict[str, Any], failure: ValidationFailed
) -> None:
    field_name = next(iter(failure.fields), "description")
    step = _STEP_OF_FIELD.get(field_name, DESCRIPTION)
    for key in _DRAFT_KEYS_OF_STEP.get(step, ()):
        draft.pop(key, None)
    turn.save(step, draft)
    turn.replies.append(Answer(query.id))
    turn.say(
        gettext(
            "Your report could not be sent: %(reason)s", reason=failure.fields.get(field_name, "")
        )
    )
    prompt(turn, step, draft)


DRAFT_BUTTONS = {
    "cat": _on_category_button,
    "photos": _on_photos_done,
    "anon": _on_anonymous_button,
    "conf": _on_confidential_button,
    "send": _on_send_button,
    "cancel": _on_cancel_button,
}
