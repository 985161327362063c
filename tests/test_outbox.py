"""The outbox: written with the change, delivered later, retried, never lost, never doubled."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from complaints import clock
from complaints.extensions import db
from complaints.models import OutboundMessage
from complaints.outbox import (
    MAX_ATTEMPTS,
    Delivery,
    PermanentFailure,
    QueuedMessage,
    TemporaryFailure,
    drain,
    enqueue,
    enqueue_many,
    register_transport,
)


@dataclass
class FlakyProvider:
    """An outside SMS provider that refuses the first ``failures`` sends."""

    channel: str = "sms"
    provider: str | None = None
    failures: int = 0
    permanent: bool = False
    delivered: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, address: str, body: str) -> Delivery:
        with self.lock:
            if self.permanent:
                raise PermanentFailure("21211: invalid 'To' phone number")
            if self.failures > 0:
                self.failures -= 1
                raise TemporaryFailure("503 service unavailable")
            self.delivered.append((address, body))
            return Delivery(provider_message_id=f"SM{len(self.delivered):032d}")


def queue(count: int = 1) -> None:
    for number in range(count):
        enqueue("sms", "+6281234567890", f"pesan {number}", key=f"test-{number}")
    db.session.commit()


def test_a_message_is_sent_once_and_marked_with_the_provider_id(app, app_ctx) -> None:
    provider = FlakyProvider()
    register_transport(app, provider)
    queue()
    assert drain().as_json() == {"sent": 1, "failed": 0, "retrying": 0}
    assert drain().as_json() == {"sent": 0, "failed": 0, "retrying": 0}
    message = db.session.scalars(select(OutboundMessage)).one()
    assert message.status == "sent" and message.provider_message_id == "SM" + "1".zfill(32)
    assert provider.delivered == [("+6281234567890", "pesan 0")]


def test_enqueueing_the_same_key_twice_gives_one_message(app_ctx) -> None:
    enqueue("sms", "+6281234567890", "a", key="same")
    enqueue("sms", "+6281234567890", "a", key="same")
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboundMessage.id))) == 1


def test_enqueueing_many_keeps_one_message_per_key_and_sends_each_once(app, app_ctx) -> None:
    enqueue("sms", "+6281234567890", "already queued", key="old")  # pending, not flushed
    batch = [
        QueuedMessage("sms", "+6281234567890", "again", key="old"),
        QueuedMessage("sms", "+6281234567891", "new", key="new", complaint_id=None, user_id=None),
        QueuedMessage("sms", "+6281234567891", "new twice", key="new"),
    ]
    assert enqueue_many(batch) == 1
    db.session.commit()
    assert enqueue_many(batch) == 0  # a retried change adds nothing
    db.session.commit()
    provider = FlakyProvider()
    register_transport(app, provider)
    assert drain().sent == 2
    assert sorted(provider.delivered) == [
        ("+6281234567890", "already queued"),
        ("+6281234567891", "new"),
    ]


def test_a_provider_outage_delays_delivery_and_loses_nothing(app, app_ctx, set_now) -> None:
    provider = FlakyProvider(failures=3)
    register_transport(app, provider)
    queue(3)
    now = clock.now()
    first = drain(now)
    assert first.as_json() == {"sent": 0, "failed": 0, "retrying": 3}
    # Nothing is retried before its backoff ends.
    assert drain(now + timedelta(seconds=5)).as_json()["sent"] == 0
    later = drain(now + timedelta(minutes=5))
    assert later.sent == 3
    assert sorted(body for _, body in provider.delivered) == ["pesan 0", "pesan 1", "pesan 2"]


def test_a_message_fails_for_good_after_the_last_attempt(app, app_ctx) -> None:
    provider = FlakyProvider(failures=10_000)
    register_transport(app, provider)
    queue()
    moment = clock.now()
    for _ in range(MAX_ATTEMPTS):
        drain(moment)
        moment += timedelta(hours=7)
    message = db.session.scalars(select(OutboundMessage)).one()
    assert message.status == "failed" and message.attempts == MAX_ATTEMPTS
    assert "503" in (message.last_error or "")


def test_a_permanent_error_stops_retries_at_once(app, app_ctx) -> None:
    register_transport(app, FlakyProvider(permanent=True))
    queue()
    assert drain().failed == 1
    message = db.session.scalars(select(OutboundMessage)).one()
    assert message.status == "failed" and message.attempts == 1


def test_messages_for_an_unconfigured_channel_wait_without_being_lost(app, app_ctx) -> None:
    register_transport(app, FlakyProvider(channel="telegram"))
    queue()
    assert drain().as_json() == {"sent": 0, "failed": 0, "retrying": 0}
    message = db.session.scalars(select(OutboundMessage)).one()
    assert message.status == "pending" and message.attempts == 0


def test_a_message_claimed_by_a_crashed_drain_is_sent_after_its_lease(app, app_ctx) -> None:
    from complaints.outbox import LEASE, _claim

    provider = FlakyProvider()
    register_transport(app, provider)
    queue()
    now = clock.now()
    assert len(_claim(now, 10, ["sms"])) == 1  # the drain dies before sending
    assert drain(now).sent == 0  # leased: nobody else sends it meanwhile
    assert drain(now + LEASE + timedelta(seconds=1)).sent == 1


def test_two_drains_racing_deliver_each_message_exactly_once(app, database_url) -> None:
    provider = FlakyProvider()
    register_transport(app, provider)
    with app.app_context():
        queue(300)
    now = clock.now()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                drain(now, limit=20)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # SQLite serialises writers: a drain may give up on a busy database (the next
    # drain picks its messages up), but it must never send anything twice.
    if errors and not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise errors[0]
    with app.app_context():
        drain(now)  # whatever a busy SQLite drain left
        bodies = [body for _, body in provider.delivered]
        assert len(bodies) == len(set(bodies)) == 300
        sent = db.session.scalar(
            select(func.count(OutboundMessage.id)).where(OutboundMessage.status == "sent")
        )
        assert sent == 300


def test_the_cli_drains_and_prints_a_json_summary(app, app_ctx) -> None:
    register_transport(app, FlakyProvider())
    queue(2)
    result = app.test_cli_runner().invoke(args=["outbox", "drain"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"sent": 2, "failed": 0, "retrying": 0}


@pytest.mark.parametrize("attempts", [1, 2, 5, 20])
def test_backoff_grows_and_is_capped(attempts: int) -> None:
    from complaints.outbox import LONGEST_RETRY, retry_delay

    delay = retry_delay(attempts)
    assert delay >= timedelta(seconds=30) * min(2 ** (attempts - 1), 720)
    assert delay <= LONGEST_RETRY * 1.1


def test_the_drain_is_a_scheduled_job(app) -> None:
    from sla.scheduler import state_of

    assert "outbox-drain" in state_of(app).jobs


def test_a_message_naming_its_provider_leaves_only_through_it(app, app_ctx) -> None:
    """SMS by Twilio and by the phone gateway side by side: an answer goes back the way
    the citizen wrote; while that provider is off it waits, and nothing is lost."""
    twilio = FlakyProvider(provider="twilio")
    register_transport(app, twilio)  # the channel's default
    enqueue("sms", "+6281234567890", "lewat Twilio", key="default")
    enqueue("sms", "+6281234567891", "lewat ponsel", key="gateway", transport="smsgate")
    db.session.commit()
    assert drain().as_json() == {"sent": 1, "failed": 0, "retrying": 0}
    assert twilio.delivered == [("+6281234567890", "lewat Twilio")]
    waiting = db.session.scalars(select(OutboundMessage).where(OutboundMessage.key == "gateway"))
    assert waiting.one().status == "pending"

    gateway = FlakyProvider(provider="smsgate")
    register_transport(app, gateway, default=False)  # Twilio stays the default
    assert drain().as_json() == {"sent": 1, "failed": 0, "retrying": 0}
    assert gateway.delivered == [("+6281234567891", "lewat ponsel")]
    assert twilio.delivered == [("+6281234567890", "lewat Twilio")]
