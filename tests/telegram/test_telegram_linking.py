"""Staff link their Telegram chat with a one-time code, then get notices there."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from channels.telegram import issue_link_code
from channels.telegram.views import SECRET_HEADER
from complaints import clock
from complaints.extensions import db
from complaints.models import AuditLog, User
from complaints.outbox import drain, enqueue
from tests.fakes.telegram_api import WEBHOOK_SECRET, Citizen

INVALID = "This code is not valid or has expired. Ask for a new one on your profile page."


def post(client: FlaskClient, update: dict[str, Any]) -> None:
    response = client.post(
        "/channels/telegram/webhook", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}
    )
    assert response.status_code == 200


def staff(email: str, locale: str = "en") -> User:
    # A real account without the slow password hash: linking never signs in.
    user = User(email=email, password_hash="-", role="officer", locale=locale)
    db.session.add(user)
    db.session.flush()
    return user


def test_a_staff_member_links_telegram_with_a_one_time_code(
    app, app_ctx, client, bot_api, set_now
) -> None:
    officer = staff("alice@bonebolangokab.go.id")
    code = issue_link_code(officer)
    db.session.commit()
    assert len(code) == 9 and code[4] == "-"
    # Only a digest is stored, and it expires in 15 minutes.
    digest = hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    assert officer.telegram_link_code_hash == digest
    assert officer.telegram_link_expires_at == clock.now() + timedelta(minutes=15)

    phone = Citizen(chat_id=777_000_001, first_name="Alice")
    post(client, phone.text("/link ZZZZ-ZZZZ"))
    post(client, phone.text(f"/link {code.lower().replace('-', ' ')}"))  # typed loosely
    assert bot_api.texts_to(phone.chat_id) == [
        INVALID,
        "Your Telegram account is now linked to alice@bonebolangokab.go.id. "
        "Assignment and escalation notices will arrive here.",
    ]
    db.session.expire_all()
    assert officer.telegram_chat_id == str(phone.chat_id)
    assert officer.telegram_link_code_hash is None and officer.telegram_link_expires_at is None
    audit = db.session.scalars(select(AuditLog)).one()
    assert (audit.action, audit.actor_user_id) == ("telegram_linked", officer.id)

    post(client, phone.text(f"/link {code}"))  # spent
    assert bot_api.texts_to(phone.chat_id)[-1] == INVALID

    # What other code queues for the officer on channel "telegram" reaches the chat.
    enqueue("telegram", str(officer.telegram_chat_id), "Escalation: ADU-7K3Q-9M2X", key="esc-1")
    db.session.commit()
    assert drain().sent == 1
    assert bot_api.texts_to(phone.chat_id)[-1] == "Escalation: ADU-7K3Q-9M2X"


def test_an_expired_code_fails_and_relinking_a_chat_moves_it(
    app, app_ctx, client, bot_api, set_now
) -> None:
    first, second = staff("bob@bonebolangokab.go.id"), staff("dana@bonebolangokab.go.id")
    phone = Citizen(chat_id=777_000_002)
    late = issue_link_code(first)
    db.session.commit()
    set_now(clock.now() + timedelta(minutes=16))
    post(client, phone.text(f"/link {late}"))
    assert bot_api.texts_to(phone.chat_id)[-1] == INVALID

    fresh = issue_link_code(first)
    db.session.commit()
    post(client, phone.text(f"/start link_{fresh}"))  # the deep link t.me/<bot>?start=link_…
    db.session.expire_all()
    assert first.telegram_chat_id == str(phone.chat_id)

    second_code = issue_link_code(second)
    db.session.commit()
    post(client, phone.text(f"/link {second_code}"))
    db.session.expire_all()
    # One person, one chat: the chat now belongs to the second account only.
    assert second.telegram_chat_id == str(phone.chat_id) and first.telegram_chat_id is None
