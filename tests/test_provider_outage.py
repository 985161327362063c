"""Telegram and Twilio go down, then come back: every queued message arrives, none is lost.

The real python-telegram-bot and twilio clients talk to the fake servers in
``tests/fakes/``, which are switched through the kinds of outage a provider
has: connections refused, HTTP 500, flood control (429), and answers so slow
that the client gives up after the provider already delivered the message.

What the citizen sees, per queued message:

- exactly once where the provider answered before or instead of processing
  (refused, 500, 429): the drain retries and the provider counts one delivery;
- at least once where the provider processed the message but the answer
  came after our timeout: the client cannot know, so the drain sends it
  again and the provider counts two deliveries. These are counted as
  duplicates, never hidden;
- never lost: after recovery every row is ``sent`` and the provider has it.

While the providers are down, ``/healthz`` and the admin page show the
backlog and its oldest message.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from twilio.rest import Client

from channels.sms.transport import ApiHostHttpClient, TwilioTransport
from channels.telegram.client import TelegramClient
from channels.telegram.transport import TelegramTransport
from complaints import workflow
from complaints.extensions import db
from complaints.intake import Contact, submit_complaint
from complaints.models import OutboundMessage
from complaints.outbox import drain, register_transport
from complaints.workflow import Actor
from tests.conftest import DEFAULT_NOW, Cast, IsolatedClient, _test_config, category
from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.twilio_api import FROM_NUMBER, FakeTwilioApi
from tests.staff_helpers import signed_in

# The client gives up after CLIENT_TIMEOUT; a hanging provider answers after HANG.
CLIENT_TIMEOUT = 0.3
HANG = 1.0
CITIZENS_PER_CHANNEL = 3
FLOOD_WAIT = timedelta(minutes=30)


@dataclass
class Providers:
    telegram: FakeTelegramApi
    twilio: FakeTwilioApi


@pytest.fixture(scope="module")
def providers() -> Iterator[Providers]:
    with FakeTelegramApi.running() as telegram:
        twilio = FakeTwilioApi().start()
        try:
            yield Providers(telegram, twilio)
        finally:
            twilio.stop()


@pytest.fixture
def app(app: Flask, database_url: str, providers: Providers) -> Iterator[Flask]:
    """Both channels on, their transports with a short timeout so a hang costs little."""
    from complaints import create_app

    providers.twilio.reset()
    providers.telegram.recover()
    providers.telegram.calls.clear()
    application = create_app(
        {
            **_test_config(database_url),
            **providers.telegram.config(),
            **providers.twilio.config(),
        }
    )
    application.test_client_class = IsolatedClient
    bot = TelegramClient(
        providers.telegram.token, providers.telegram.base_url, read_timeout=CLIENT_TIMEOUT
    )
    register_transport(application, TelegramTransport(bot))
    twilio = providers.twilio
    rest = Client(
        username=twilio.account_sid,
        password=twilio.auth_token,
        account_sid=twilio.account_sid,
        http_client=ApiHostHttpClient(twilio.base_url, timeout=CLIENT_TIMEOUT),
    )
    register_transport(application, TwilioTransport("sms", FROM_NUMBER, rest, None))
    try:
        yield application
    finally:
        providers.telegram.recover()
        providers.twilio.reset()
        bot.close()
        with application.app_context():
            application.extensions["aduan_telegram"].close()
            db.session.remove()
            db.engine.dispose()


def file_complaints() -> None:
    """Citizens on Telegram and SMS complain; staff verify: acknowledgements and news queue."""
    actor = Actor.system("test")
    for number in range(CITIZENS_PER_CHANNEL):
        for channel, contact in (
            ("telegram", Contact(telegram_chat_id=str(555_000_100 + number))),
            ("sms", Contact(phone=f"+62812345670{number:02d}")),
        ):
            complaint = submit_complaint(
                channel=channel,
                category=category("road-damage"),
                description=f"Jalan berlubang nomor {number} di depan pasar, mohon ditambal.",
                contact=contact,
                external_id=f"outage-{channel}-{number}",
            ).complaint
            workflow.verify_complaint(complaint, actor)
            workflow.commit()


def queued_messages() -> list[OutboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def received(providers: Providers) -> Counter[tuple[str, str, str]]:
    """What each provider processed: (channel, address, text) → how many times."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for call in providers.telegram.calls_to("sendMessage"):
        if call.params.get("_delivered"):
            counts["telegram", str(call.params["chat_id"]), call.params["text"]] += 1
    for request in providers.twilio.accepted:
        counts["sms", request.value("To") or "", request.value("Body") or ""] += 1
    return counts


def as_received(message: OutboundMessage, app: Flask) -> tuple[str, str, str]:
    """The provider's view of an outbox row (SMS bodies are made GSM-7 safe on the way)."""
    transport = app.extensions["aduan_transports"][message.channel]
    body = transport.prepare(message.body) if message.channel == "sms" else message.body
    return message.channel, message.address, body


def test_every_message_queued_during_an_outage_is_delivered_and_none_is_lost(
    app: Flask, app_ctx: Flask, cast: Cast, providers: Providers, set_now
) -> None:
    telegram, twilio = providers.telegram, providers.twilio
    telegram.go_down("refuse")
    twilio.go_down("refuse")
    file_complaints()
    messages = queued_messages()
    queued = len(messages)
    assert Counter(message.channel for message in messages) == {
        "telegram": 2 * CITIZENS_PER_CHANNEL,
        "sms": 2 * CITIZENS_PER_CHANNEL,
    }

    # 1. Refused connections: nothing reaches anyone, everything waits.
    moment = DEFAULT_NOW + timedelta(hours=1)
    assert drain(moment).as_json() == {"sent": 0, "failed": 0, "retrying": queued}
    assert not received(providers) and not telegram.calls_to("sendMessage")
    assert_backlog_is_visible(app, cast, pending=queued)

    # 2. The providers answer 500 before doing anything.
    telegram.go_down("error")
    twilio.go_down("error")
    moment += timedelta(hours=1)
    assert drain(moment).as_json() == {"sent": 0, "failed": 0, "retrying": queued}
    assert len(telegram.calls_to("sendMessage")) == 2 * CITIZENS_PER_CHANNEL
    assert not received(providers)

    # 3. Flood control: Telegram's retry_after is honoured even when longer than our backoff.
    telegram.go_down("flood", retry_after=int(FLOOD_WAIT.total_seconds()))
    twilio.go_down("flood")
    moment += timedelta(hours=1)
    assert drain(moment).as_json() == {"sent": 0, "failed": 0, "retrying": queued}
    assert not received(providers)
    for message in queued_messages():
        if message.channel == "telegram":
            assert message.next_attempt_at >= moment + FLOOD_WAIT

    # 4. Back, but slow at first: two messages per provider are delivered after we gave up.
    telegram.recover()
    twilio.recover()
    telegram.hang_next(2, HANG)
    twilio.hang_next(2, HANG)
    moment += timedelta(hours=1)
    assert drain(moment).as_json() == {"sent": queued - 4, "failed": 0, "retrying": 4}
    assert_backlog_is_visible(app, cast, pending=4)

    # 5. Recovered: the operator's `outbox drain` delivers the rest.
    set_now(moment + timedelta(hours=1))
    result = app.test_cli_runner().invoke(args=["outbox", "drain"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1]) == {
        "sent": 4,
        "failed": 0,
        "retrying": 0,
    }

    messages = queued_messages()
    counts = received(providers)
    per_message = [counts[as_received(message, app)] for message in messages]
    delivered = sum(1 for message, seen in zip(messages, per_message, strict=True)
                    if message.status == "sent" and seen >= 1)  # fmt: skip
    duplicated = sum(1 for seen in per_message if seen > 1)
    lost = queued - delivered
    print(
        f"\nprovider outage [{db.engine.dialect.name}]: queued={queued} delivered={delivered} "
        f"duplicated={duplicated} lost={lost}"
    )
    assert lost == 0 and delivered == queued
    # Exactly the four messages whose answer came too late were delivered twice; no others.
    assert sorted(per_message) == [1] * (queued - 4) + [2] * 4
    assert sum(counts.values()) == queued + 4  # the provider saw nothing we did not queue
    assert not any(message.status != "sent" for message in messages)
    health = app.test_client().get("/healthz").get_json()
    assert health["outbox"] == {"pending": 0, "failed": 0, "oldest_pending_at": None}


def assert_backlog_is_visible(app: Flask, cast: Cast, pending: int) -> None:
    """/healthz and the admin page show the backlog and its oldest message."""
    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    outbox = health.get_json()["outbox"]
    assert outbox["pending"] == pending and outbox["failed"] == 0
    assert outbox["oldest_pending_at"] == DEFAULT_NOW.isoformat()

    admin = signed_in(app, cast.admin.email)
    page = admin.get("/staff/admin/?lang=en").get_data(as_text=True)
    line = re.search(r"Waiting to be sent: (\d+)[^<]*", page)
    assert line is not None, page
    assert int(line.group(1)) == pending
    # Queued at 10:00 in Gorontalo (02:00 UTC).
    assert "oldest since" in line.group(0) and "10:00" in line.group(0), line.group(0)


def test_telegram_flood_control_is_honoured_before_the_next_attempt(
    app: Flask, app_ctx: Flask, providers: Providers
) -> None:
    telegram = providers.telegram
    telegram.go_down("flood", retry_after=int(FLOOD_WAIT.total_seconds()))
    submit_complaint(
        channel="telegram",
        category=category("road-damage"),
        description="Lampu jalan mati sejak seminggu di depan masjid.",
        contact=Contact(telegram_chat_id="555000999"),
        external_id="flood-1",
    )
    workflow.commit()
    assert drain(DEFAULT_NOW).retrying == 1
    telegram.recover()
    # Our own backoff alone would retry after about 30 s; Telegram asked for 30 min.
    assert drain(DEFAULT_NOW + timedelta(minutes=10)).sent == 0
    assert len(telegram.calls_to("sendMessage")) == 1
    assert drain(DEFAULT_NOW + FLOOD_WAIT + timedelta(seconds=1)).sent == 1
