"""The Telegram bot, driven through its webhook by realistic updates.

The real python-telegram-bot client talks to the fake Bot API server; the
assertions read what the citizen's chat received from that server's record.
"""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from channels.telegram import updates
from channels.telegram.views import SECRET_HEADER
from complaints import reporter_keys, workflow
from complaints.extensions import db
from complaints.intake import Contact, submit_complaint
from complaints.models import (
    BlockedAddress,
    Complaint,
    ComplaintEvent,
    Conversation,
    InboundReceipt,
    Message,
    OutboundMessage,
)
from complaints.outbox import drain
from complaints.workflow import Actor
from tests.conftest import category
from tests.fakes.telegram_api import (
    BOT_USER,
    WEBHOOK_SECRET,
    ApiCall,
    Citizen,
    FakeTelegramApi,
    button,
    message_id_of,
)
from tests.photo_helpers import as_stored

# Staff actions need no real account here (the cast's password hashing is slow).
OFFICER = Actor.system("test")


def post(client: FlaskClient, update: dict[str, Any], secret: str = WEBHOOK_SECRET) -> Any:
    return client.post("/channels/telegram/webhook", json=update, headers={SECRET_HEADER: secret})


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def press(client: FlaskClient, api: FakeTelegramApi, citizen: Citizen, label: str) -> None:
    """Tap the button ``label`` on the last message the bot sent to the citizen."""
    last = api.last_sent_to(citizen.chat_id)
    assert post(client, citizen.press(button(last, label), message_id_of(last))).status_code == 200


def file_a_report(
    client: FlaskClient, api: FakeTelegramApi, citizen: Citizen, *, photo: bytes | None = None
) -> None:
    """Walk the whole guided conversation: topic, description, photo, location, confirm."""
    assert post(client, citizen.text("/start")).status_code == 200
    press(client, api, citizen, "New report")
    press(client, api, citizen, "Damaged roads and bridges")
    post(client, citizen.text("Big pothole in front of SD Negeri 1 Suwawa since last week."))
    if photo is not None:
        api.add_file("AgACAgUAAxkBphoto1", photo)
        post(client, citizen.photo("AgACAgUAAxkBphoto1", size=len(photo)))
        press(client, api, citizen, "Done")
    else:
        press(client, api, citizen, "Skip")
    post(client, citizen.location(0.5412, 123.1531))
    post(client, citizen.text("Skip"))
    press(client, api, citizen, "Send")


def test_a_citizen_files_a_report_with_photo_and_location_entirely_in_telegram(
    app, app_ctx, client, bot_api
) -> None:
    citizen = Citizen()
    photo = jpeg_bytes()
    file_a_report(client, bot_api, citizen, photo=photo)

    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.channel == "telegram" and complaint.locale == "en"
    assert complaint.category.code == "road-damage"
    assert complaint.description == "Big pothole in front of SD Negeri 1 Suwawa since last week."
    assert (complaint.lat, complaint.lon) == (0.5412, 123.1531)
    assert complaint.external_id is not None
    assert complaint.external_id.startswith(f"tg-{citizen.chat_id}-")
    assert complaint.reporter is not None
    assert complaint.reporter.telegram_chat_id == str(citizen.chat_id)
    assert complaint.reporter.name == "Rahmat" and complaint.reporter.phone is None
    assert not complaint.anonymous and not complaint.confidential  # off unless chosen
    [attachment] = complaint.attachments
    assert attachment.content == as_stored(photo) and attachment.content_type == "image/jpeg"
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.state == "idle" and "draft" not in (conversation.data or {})

    assert drain().sent == 1
    code = complaint.code
    assert bot_api.texts_to(citizen.chat_id) == [
        "Welcome to Aduan, the complaint service of Kabupaten Bone Bolango. Report a problem "
        "with a public service here and follow how it is handled.\n\n"
        'Press "New report" to begin, or send /help to see everything I can do.',
        "Which topic is your report about?",
        "Describe the problem: what happened, where exactly, and since when "
        "(at least 10 characters).",
        "You may send up to 5 photos of the problem. Send them now, or press Skip.",
        "Photo 1 received. Send another one, or press Done.",
        'Where is the problem? Press "Send my location" if you are there, or pick the place '
        "with 📎 → Location. Or press Skip.",
        'The unit may need to call you about this report. Press "Share my phone number" to '
        "give it, or press Skip. Your number is never shown publicly.",
        "Please check your report:\n"
        "Topic: Damaged roads and bridges\n"
        "Description: Big pothole in front of SD Negeri 1 Suwawa since last week.\n"
        "Photos: 1\n"
        "Location: 0.54120, 123.15310\n"
        "Phone: not given",
        "Send this report?\n\n"
        "Anonymous (staff do not see your name and number, only administrators): no\n"
        "Confidential (your report is never shown on the public page): no\n"
        "Tap a choice below to change it.",
        # The one message with the tracking code: intake's acknowledgement, via the outbox.
        f"Your complaint has been received. Tracking code: {code}. "
        f"Follow it at https://aduan.test/track/{code}?key={reporter_keys.derive(code)}",
    ]
    edits = [call.params.get("text") for call in bot_api.calls_to("editMessageText")]
    assert edits == [
        "Topic: Damaged roads and bridges",
        "Your report has been sent. Its tracking code will arrive in this chat in a moment.",
    ]
    # Every button press was acknowledged, so no client shows a spinner.
    assert len(bot_api.calls_to("answerCallbackQuery")) == 4


def reach_confirmation(
    client: FlaskClient,
    api: FakeTelegramApi,
    citizen: Citizen,
    *,
    topic: str = "Waste and cleanliness",
    description: str = "Rubbish has not been collected in Desa Huntu for two weeks.",
    skip: str = "Skip",
) -> ApiCall:
    """Write a report up to the confirm step; return the confirm message the bot sent."""
    post(client, citizen.text("/lapor"))
    press(client, api, citizen, topic)
    post(client, citizen.text(description))
    press(client, api, citizen, skip)
    post(client, citizen.text(skip))
    post(client, citizen.text(skip))
    return api.last_sent_to(citizen.chat_id)


def inline_labels(api: FakeTelegramApi, citizen: Citizen) -> list[str]:
    markup = api.last_sent_to(citizen.chat_id).params["reply_markup"]
    return [key["text"] for row in markup["inline_keyboard"] for key in row]


def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(app, app_ctx, client, bot_api):
    citizen = Citizen()
    assert post(client, citizen.text("/start"), secret="guess").status_code == 403
    response = client.post("/channels/telegram/webhook", json=citizen.text("/start"))
    assert response.status_code == 403
    app.config["TELEGRAM_WEBHOOK_SECRET"] = None  # no secret configured: nothing can match
    assert post(client, citizen.text("/start"), secret="").status_code == 403
    assert db.session.scalar(select(func.count(InboundReceipt.id))) == 0
    assert db.session.scalar(select(func.count(Conversation.id))) == 0
    assert bot_api.calls == []


def test_the_same_update_posted_twice_is_processed_once(app, app_ctx, client, bot_api) -> None:
    citizen = Citizen()
    greeting = citizen.text("/start")
    assert post(client, greeting).status_code == 200
    assert post(client, greeting).status_code == 200
    assert len(bot_api.texts_to(citizen.chat_id)) == 1

    reach_confirmation(client, bot_api, citizen)
    last = bot_api.last_sent_to(citizen.chat_id)
    send = citizen.press(button(last, "Send"), message_id_of(last))
    assert post(client, send).status_code == 200
    assert post(client, send).status_code == 200
    # A second tap on Send (a new update) finds the draft gone.
    assert post(client, citizen.press(button(last, "Send"), message_id_of(last))).status_code == 200
    assert db.session.scalar(select(func.count(Complaint.id))) == 1
    assert drain().sent == 1
    assert bot_api.calls_to("answerCallbackQuery")[-1].params["text"] == (
        "This button is no longer active."
    )


def test_an_indonesian_citizen_reports_in_indonesian_and_may_share_their_own_phone(
    app, app_ctx, client, bot_api
) -> None:
    citizen = Citizen(language_code="id")
    post(client, citizen.text("/lapor"))
    labels = inline_labels(bot_api, citizen)
    assert labels[0] == "Jalan dan jembatan rusak" and "Sampah dan kebersihan" in labels
    press(client, bot_api, citizen, "Sampah dan kebersihan")
    post(client, citizen.text("Sampah menumpuk di pinggir jalan Desa Huntu Selatan."))
    press(client, bot_api, citizen, inline_labels(bot_api, citizen)[0])  # Lewati / Skip
    post(client, citizen.text("lewati"))
    asked_for_phone = bot_api.texts_to(citizen.chat_id)[-1]
    post(client, citizen.contact("6281234567890", own=False))
    assert bot_api.texts_to(citizen.chat_id)[-1] != asked_for_phone  # refused: not their own
    post(client, citizen.contact("6281234567890"))
    assert "+6281234567890" in bot_api.texts_to(citizen.chat_id)[-2]  # in the summary
    press(client, bot_api, citizen, "Kirim")

    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.locale == "id" and complaint.category.code == "waste"
    assert complaint.reporter is not None and complaint.reporter.phone == "+6281234567890"
    # The news still comes to the chat: Telegram first for a Telegram complaint.
    drain()
    acknowledgement = bot_api.texts_to(citizen.chat_id)[-1]
    assert complaint.code in acknowledgement and "diterima" in acknowledgement

    # The language buttons under the welcome switch the chat to English.
    post(client, citizen.text("/start"))
    press(client, bot_api, citizen, "English")
    assert bot_api.calls_to("editMessageText")[-1].params["text"].startswith("Welcome to Aduan")
    post(client, citizen.text("/lapor"))
    assert inline_labels(bot_api, citizen)[0] == "Damaged roads and bridges"


def test_a_too_short_description_is_asked_again_and_cancel_forgets_the_draft(
    app, app_ctx, client, bot_api
) -> None:
    citizen = Citizen()
    post(client, citizen.text("/lapor"))
    press(client, bot_api, citizen, "Clean water supply")
    post(client, citizen.text("No water"))
    assert bot_api.texts_to(citizen.chat_id)[-1] == (
        "That is too short. Please describe the problem in at least 10 characters."
    )
    post(client, citizen.text("/batal"))
    assert bot_api.texts_to(citizen.chat_id)[-1] == (
        "Report cancelled. Send /lapor whenever you want to start again."
    )
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.state == "idle" and "draft" not in (conversation.data or {})
    assert db.session.scalar(select(func.count(Complaint.id))) == 0


def test_status_and_saya_answer_in_plain_words_without_personal_data(
    app, app_ctx, client, bot_api, make_complaint
) -> None:
    complaint = make_complaint(
        status="in_progress", name="Siti Aminah", phone="081234567890", email="siti@example.com"
    )
    workflow.reply_to_citizen(
        complaint,
        OFFICER,
        "Siti Aminah, the crew comes on Friday. Call 0812-9999-8888.",
    )
    workflow.commit()
    citizen = Citizen()
    post(client, citizen.text(f"/status {complaint.code.lower()}"))
    answer = bot_api.texts_to(citizen.chat_id)[-1]
    assert answer.startswith(
        f"Report {complaint.code}\nTopic: Damaged roads and bridges\n"
        "Status: Being handled by the unit\nReceived: "
    )
    assert "Latest reply from the unit (" in answer
    assert "[…], the crew comes on Friday. Call […]." in answer
    assert answer.endswith(f"Details: https://aduan.test/track/{complaint.code}")
    for private in ("Siti", "Aminah", "0812", "siti@example.com"):
        assert private not in answer

    post(client, citizen.text("/status ADU-0000-0000"))
    assert bot_api.texts_to(citizen.chat_id)[-1] == (
        "No report with the code ADU-0000-0000 was found. Please check the code."
    )
    post(client, citizen.text("/status"))
    assert bot_api.texts_to(citizen.chat_id)[-1] == (
        "Send the tracking code after the command, for example: /status ADU-7K3Q-9M2X"
    )

    post(client, citizen.text("/saya"))
    assert bot_api.texts_to(citizen.chat_id)[-1] == (
        "No reports were made from this chat yet. Send /lapor to make one."
    )
    mine = submit_complaint(
        channel="telegram",
        category=category("waste"),
        description="Sampah menumpuk di pinggir jalan.",
        contact=Contact(telegram_chat_id=str(citizen.chat_id)),
    ).complaint
    post(client, citizen.text("/saya"))
    answer = bot_api.texts_to(citizen.chat_id)[-1]
    assert f"{mine.code} – Waste and cleanliness – Received, waiting to be checked" in answer
    assert complaint.code not in answer


def test_free_text_answering_a_staff_question_is_added_to_the_complaint(
    app, app_ctx, client, bot_api
) -> None:
    citizen = Citizen()
    complaint = submit_complaint(
        channel="telegram",
        category=category("road-damage"),
        description="Jalan berlubang di depan kantor desa.",
        contact=Contact(telegram_chat_id=str(citizen.chat_id)),
        locale="en",
    ).complaint
    post(client, citizen.text("Hello?"))
    assert bot_api.texts_to(citizen.chat_id)[-1].startswith("To report a problem, press")

    workflow.verify_complaint(complaint, OFFICER)
    workflow.reply_to_citizen(complaint, OFFICER, "Which side of the road is the hole on?")
    workflow.commit()
    drain()
    post(client, citizen.text("On the left, next to the mosque."))
    assert bot_api.texts_to(citizen.chat_id)[-1] == (
        f"Thank you. Your answer was added to report {complaint.code}."
    )
    inbound = db.session.scalars(select(Message).where(Message.kind == "inbound")).one()
    assert inbound.complaint_id == complaint.id and inbound.channel == "telegram"
    assert inbound.body == "On the left, next to the mosque."
    event = db.session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.kind == "citizen_message")
    ).one()
    assert event.actor_label == "citizen" and not event.public
    # The question is answered: more free text is not attached again ...
    post(client, citizen.text("Thanks!"))
    assert bot_api.texts_to(citizen.chat_id)[-1].startswith("To report a problem, press")
    # ... unless the citizen uses Telegram's reply on the staff's message.
    reply_row = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.body.contains("Which side"))
    ).one()
    assert reply_row.provider_message_id is not None
    post(client, citizen.text("Also a second hole.", reply_to=int(reply_row.provider_message_id)))
    assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == "inbound")) == 2


def test_unsupported_content_gets_a_polite_answer_and_other_updates_none(
    app, app_ctx, client, bot_api
) -> None:
    citizen = Citizen()
    blocked_us = {
        "update_id": 41,
        "my_chat_member": {
            "chat": {"id": citizen.chat_id, "type": "private", "first_name": "Rahmat"},
            "from": {"id": citizen.chat_id, "is_bot": False, "first_name": "Rahmat"},
            "date": 1_790_000_000,
            "old_chat_member": {"user": BOT_USER, "status": "member"},
            "new_chat_member": {"user": BOT_USER, "status": "kicked", "until_date": 0},
        },
    }
    group = citizen.text("/start")
    group["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Warga"}
    edited = citizen.text("Typo fixed")
    edited["edited_message"] = edited.pop("message")
    for update in (citizen.sticker(), citizen.voice(), blocked_us, group, edited):
        assert post(client, update).status_code == 200
    sorry = (
        "Sorry, I can only read text, photos, locations and contacts. "
        "Please write your message as text."
    )
    assert bot_api.texts_to(citizen.chat_id) == [
        sorry,
        sorry,
        "I do not read edited messages. Please send the change as a new one.",
    ]
    assert post(client, {"not": "an update"}).status_code == 400
    assert db.session.scalar(select(func.count(InboundReceipt.id))) == 5

    # A chat an admin blocked gets no answer at all.
    spammer = Citizen(chat_id=555_999_999)
    db.session.add(BlockedAddress(channel="telegram", address=str(spammer.chat_id)))
    db.session.commit()
    assert post(client, spammer.text("/start")).status_code == 200
    assert bot_api.texts_to(spammer.chat_id) == []


def test_a_bug_or_an_unreadable_update_gets_an_apology_once_never_a_500(
    app, app_ctx, client, bot_api, monkeypatch
) -> None:
    citizen = Citizen()
    sorry = "Sorry, something went wrong on our side. Please try again in a moment."
    # A forwarded poll in a shape python-telegram-bot 22 refuses to parse.
    unreadable = citizen.message(poll={"id": "1", "question": "?", "options": []})
    assert post(client, unreadable).status_code == 200
    assert post(client, unreadable).status_code == 200  # recorded: not answered again

    def broken(update: object, client: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(updates, "answer_update", broken)
    update = citizen.text("/start")
    assert post(client, update).status_code == 200
    assert post(client, update).status_code == 200
    assert bot_api.texts_to(citizen.chat_id) == [sorry, sorry]
