"""The outbox delivering to Telegram through the real client and the fake Bot API."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from channels.telegram.transport import split_text
from complaints import clock, reporter_keys, workflow
from complaints.extensions import db
from complaints.intake import Contact, submit_complaint
from complaints.models import Complaint, OutboundMessage
from complaints.outbox import backlog, drain, enqueue
from complaints.workflow import Actor
from tests.conftest import category

CHAT = 555_000_444
# python-telegram-bot warns about its own RetryAfter internals (the 429 case).
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def telegram_complaint(chat_id: int = CHAT) -> Complaint:
    return submit_complaint(
        channel="telegram",
        category=category("road-damage"),
        description="Jembatan kayu di Desa Tunggulo hampir roboh.",
        contact=Contact(telegram_chat_id=str(chat_id)),
        locale="en",
    ).complaint


def test_a_telegram_outage_delays_messages_and_loses_none(app, app_ctx, bot_api) -> None:
    complaint = telegram_complaint()
    workflow.reply_to_citizen(complaint, Actor.system("test"), "A team is on its way.")
    workflow.commit()
    bot_api.fail_next_sends(2, "http_502")
    bot_api.fail_next_sends(1, "flood")  # 429 with retry_after

    now = clock.now()
    assert drain(now).as_json() == {"sent": 0, "failed": 0, "retrying": 2}
    assert drain(now + timedelta(seconds=5)).as_json()["sent"] == 0  # still backing off
    second = drain(now + timedelta(minutes=5))
    assert second.as_json() == {"sent": 1, "failed": 0, "retrying": 1}
    assert drain(now + timedelta(minutes=15)).sent == 1

    assert sorted(bot_api.texts_to(CHAT)) == sorted(
        [
            f"Your complaint has been received. Tracking code: {complaint.code}. "
            f"Follow it at https://aduan.test/track/{complaint.code}"
            f"?key={reporter_keys.derive(complaint.code)}",
            f"Reply to complaint {complaint.code}: A team is on its way.",
        ]
    )
    # Each row carries the message_id Telegram gave it.
    delivered = {
        str(call.params["_message_id"])
        for call in bot_api.calls_to("sendMessage")
        if call.params.get("_delivered")
    }
    rows = db.session.scalars(select(OutboundMessage)).all()
    assert {row.status for row in rows} == {"sent"}
    assert {row.provider_message_id for row in rows} == delivered
    assert len(bot_api.calls_to("sendMessage")) == 5  # three refused, two delivered


def test_the_drain_can_run_in_any_thread_and_many_times(app, app_ctx, bot_api) -> None:
    # The pitfall: one event loop per call breaks python-telegram-bot's pool on call two.
    for number in range(6):
        enqueue("telegram", str(CHAT), f"pesan {number}", key=f"loop-{number}")
    db.session.commit()
    assert drain(limit=2).sent == 6

    enqueue("telegram", str(CHAT), "from the scheduler's thread", key="thread")
    db.session.commit()
    results = []

    def scheduler_job() -> None:
        with app.app_context():
            results.append(drain().sent)

    worker = threading.Thread(target=scheduler_job)
    worker.start()
    worker.join(timeout=30)
    assert results == [1]
    assert len(bot_api.texts_to(CHAT)) == 7


def test_a_blocked_bot_or_a_missing_chat_fails_the_message_at_once(app, app_ctx, bot_api):
    bot_api.block(CHAT)
    bot_api.forget(777)
    telegram_complaint(CHAT)
    telegram_complaint(777)
    assert drain().as_json() == {"sent": 0, "failed": 2, "retrying": 0}
    rows = {row.address: row for row in db.session.scalars(select(OutboundMessage))}
    assert rows[str(CHAT)].status == "failed" and rows[str(CHAT)].attempts == 1
    assert rows[str(CHAT)].last_error == "Forbidden: bot was blocked by the user"
    assert rows["777"].last_error == "BadRequest: Chat not found"
    assert backlog().failed == 2
    assert drain(clock.now() + timedelta(days=1)).as_json()["failed"] == 0  # never retried


def test_a_long_message_is_cut_at_spaces_into_telegram_sized_parts() -> None:
    body = " ".join(["kata"] * 2000)  # 9,999 characters
    parts = split_text(body)
    assert len(parts) == 3 and all(len(part) <= 4096 for part in parts)
    assert " ".join(parts) == body
    assert split_text("short") == ["short"]
