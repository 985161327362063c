"""The anonymous and confidential choices on the bot's confirm message, in Indonesian.

Like the web form's two check boxes: off unless the citizen turns them on,
kept in the chat's draft, passed to intake on Send.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Complaint, Conversation
from tests.conftest import Cast
from tests.fakes.telegram_api import ApiCall, Citizen, FakeTelegramApi, button, message_id_of
from tests.staff_helpers import signed_in
from tests.telegram import test_telegram_conversation as conversation
from tests.telegram.test_telegram_conversation import post, press

CONFIRM_OFF = (
    "Kirim laporan ini?\n\n"
    "Anonim (petugas tidak melihat nama dan nomor HP Anda, hanya admin): tidak\n"
    "Rahasia (laporan Anda tidak pernah ditampilkan di halaman publik): tidak\n"
    "Ketuk pilihan di bawah untuk mengubahnya."
)


def reach_confirmation(client: FlaskClient, api: FakeTelegramApi, citizen: Citizen) -> ApiCall:
    """The conversation tests' walk to the confirm step, in Indonesian."""
    return conversation.reach_confirmation(
        client,
        api,
        citizen,
        topic="Sampah dan kebersihan",
        description="Sampah tidak diangkut di Desa Huntu selama dua minggu.",
        skip="Lewati",
    )


def labels(call: ApiCall) -> list[list[str]]:
    return [[key["text"] for key in row] for row in call.params["reply_markup"]["inline_keyboard"]]


def toggle(
    client: FlaskClient, api: FakeTelegramApi, citizen: Citizen, confirm: ApiCall, label: str
) -> ApiCall:
    """Tap a toggle on the confirm message as it now reads; return the bot's edit of it."""
    current = edits_of(api, confirm)[-1] if edits_of(api, confirm) else confirm
    update = citizen.press(button(current, label), message_id_of(confirm))
    assert post(client, update).status_code == 200
    return edits_of(api, confirm)[-1]


def edits_of(api: FakeTelegramApi, message: ApiCall) -> list[ApiCall]:
    """The bot's edits of one message it sent."""
    return [
        call
        for call in api.calls_to("editMessageText")
        if str(call.params.get("message_id")) == str(message_id_of(message))
    ]


def draft_of(citizen: Citizen) -> dict[str, object]:
    conversation = db.session.scalars(
        select(Conversation).where(Conversation.address == str(citizen.chat_id))
    ).one()
    db.session.refresh(conversation)  # the webhook changed it in another session
    return dict((conversation.data or {}).get("draft") or {})


def test_the_confirm_message_explains_both_choices_in_indonesian_and_starts_with_them_off(
    app, app_ctx, client, bot_api
) -> None:
    citizen = Citizen(language_code="id")
    confirm = reach_confirmation(client, bot_api, citizen)

    assert confirm.params["text"] == CONFIRM_OFF
    assert labels(confirm) == [["Anonim: tidak", "Rahasia: tidak"], ["Kirim", "Batal"]]
    draft_id = draft_of(citizen)["id"]
    assert button(confirm, "Anonim: tidak") == f"anon:{draft_id}"
    assert button(confirm, "Rahasia: tidak") == f"conf:{draft_id}"
    for row in confirm.params["reply_markup"]["inline_keyboard"]:
        for key in row:
            assert len(key["callback_data"].encode()) <= 64  # Telegram's limit


def test_a_citizen_sends_an_anonymous_confidential_report_and_officers_do_not_see_who(
    app: Flask, app_ctx, client, bot_api, cast: Cast
) -> None:
    citizen = Citizen(language_code="id")
    confirm = reach_confirmation(client, bot_api, citizen)

    edit = toggle(client, bot_api, citizen, confirm, "Anonim: tidak")
    assert edit.params["text"] == CONFIRM_OFF.replace("hanya admin): tidak", "hanya admin): ya")
    assert labels(edit) == [["Anonim: ya", "Rahasia: tidak"], ["Kirim", "Batal"]]
    edit = toggle(client, bot_api, citizen, confirm, "Rahasia: tidak")
    assert edit.params["text"].splitlines()[2:4] == [
        "Anonim (petugas tidak melihat nama dan nomor HP Anda, hanya admin): ya",
        "Rahasia (laporan Anda tidak pernah ditampilkan di halaman publik): ya",
    ]
    assert labels(edit)[0] == ["Anonim: ya", "Rahasia: ya"]
    # Every tap was answered, so no spinner is left on the citizen's screen.
    assert len(bot_api.calls_to("answerCallbackQuery")) == 4  # topic, Lewati, two toggles
    assert draft_of(citizen)["anonymous"] is True and draft_of(citizen)["confidential"] is True

    press(client, bot_api, citizen, "Kirim")  # the confirm message's Send is unchanged
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.anonymous is True and complaint.confidential is True
    assert complaint.reporter is not None and complaint.reporter.name == "Rahmat"

    # As for a web complaint: the unit's officer sees the report but not who sent it.
    page = signed_in(app, cast.officer_b.email).get(f"/staff/complaints/{complaint.code}")
    assert page.status_code == 200 and "Rahmat" not in page.get_data(as_text=True)
    page = signed_in(app, cast.admin.email).get(f"/staff/complaints/{complaint.code}")
    assert "Rahmat" in page.get_data(as_text=True)


def test_toggling_twice_turns_a_choice_off_again(app, app_ctx, client, bot_api) -> None:
    citizen = Citizen(language_code="id")
    confirm = reach_confirmation(client, bot_api, citizen)

    toggle(client, bot_api, citizen, confirm, "Anonim: tidak")
    toggle(client, bot_api, citizen, confirm, "Rahasia: tidak")
    toggle(client, bot_api, citizen, confirm, "Anonim: ya")
    edit = toggle(client, bot_api, citizen, confirm, "Rahasia: ya")
    assert edit.params["text"] == CONFIRM_OFF
    assert labels(edit)[0] == ["Anonim: tidak", "Rahasia: tidak"]

    press(client, bot_api, citizen, "Kirim")
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.anonymous is False and complaint.confidential is False


def test_a_toggle_on_an_old_or_finished_drafts_message_is_ignored(
    app, app_ctx, client, bot_api
) -> None:
    citizen = Citizen(language_code="id")
    old_confirm = reach_confirmation(client, bot_api, citizen)
    old_anonymous = citizen.press(button(old_confirm, "Anonim: tidak"), message_id_of(old_confirm))
    new_confirm = reach_confirmation(client, bot_api, citizen)  # /lapor again: a new draft
    assert button(new_confirm, "Anonim: tidak") != button(old_confirm, "Anonim: tidak")

    post(client, old_anonymous)
    assert bot_api.calls_to("answerCallbackQuery")[-1].params["text"] == (
        "Tombol ini sudah tidak aktif."
    )
    assert edits_of(bot_api, old_confirm) == edits_of(bot_api, new_confirm) == []
    assert "anonymous" not in draft_of(citizen)

    # Once sent, the report's own toggles no longer change anything either.
    press(client, bot_api, citizen, "Kirim")
    post(client, citizen.press(button(new_confirm, "Anonim: tidak"), message_id_of(new_confirm)))
    assert bot_api.calls_to("answerCallbackQuery")[-1].params["text"] == (
        "Tombol ini sudah tidak aktif."
    )
    assert db.session.scalar(select(func.count(Complaint.id))) == 1
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.anonymous is False
