"""Floods: one source is cut off at its limit, every other citizen still gets through.

Each flood alternates between two app instances that count in one Redis
(``REDIS_URL``), as several workers and hosts do in production, and it
is sent at a rate no person types: every request inside a few seconds.
The limits per source:

- citizen form ``POST /complaints/new``: 10 a minute, 100 a day per client;
- ``POST /api/v1/complaints``: 10 a minute, 100 a day per client;
- Open311 ``POST requests.json``: 60 a minute, 2000 a day per api_key, and
  30 refused api_keys a minute per client (no guessing);
- SMS: ``SMS_MAX_INBOUND_PER_HOUR`` (30) per number and clock hour; past it
  the number is told once, then ignored;
- Telegram: 20 updates a minute, 200 an hour per chat; past it the chat is
  told once, then its updates are dropped, always with 200 to Telegram;
- staff sign-in ``POST /staff/login``: 10 a minute per client.

A client is its address; an IPv6 client is its /64 network. Behind a proxy
(``ADUAN_PROXY_HOPS``) the address comes from ``X-Forwarded-For``.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from channels.telegram.views import SECRET_HEADER
from complaints import create_app, ratelimit
from complaints.extensions import db, limiter
from complaints.models import Complaint, InboundReceipt
from tests.api_helpers import open311_key
from tests.conftest import (
    STAFF_PASSWORD,
    Cast,
    IsolatedClient,
    _test_config,
    csrf_token_from,
    hidden_value,
)
from tests.fakes.telegram_api import WEBHOOK_SECRET, Citizen, FakeTelegramApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.redis_helpers import (
    REDIS_URL,
    delete_keys,
    keys_under,
    new_prefix,
    redis_or_skip,
)
from tests.sms_helpers import (  # noqa: F401 -- fixtures
    WEBHOOK,
    inbound_params,
    signed_post,
    twilio_api_fixture,
    twilio_server_fixture,
    twiml_messages,
)

# Flask-Limiter keeps the first key prefix it is given for the whole process: one per module.
PREFIX = new_prefix("floods")
FLOODER = "203.0.113.66"
OTHER_CITIZEN = "198.51.100.23"
_addresses = itertools.count(10)

FORM = {
    "kind": "complaint",
    "category": "road-damage",
    "address": "Desa Tanggilingo, Kabila",
    "lat": "0.5412",
    "lon": "123.1345",
}
API_BODY = {"category": "road-damage", "address": "Jalan Trans Sulawesi, Suwawa"}
OPEN311_FORM = {
    "service_code": "road-damage",
    "lat": "0.5412",
    "long": "123.1291",
}


# The limits are counted by Flask-Limiter, the same on either database: one backend is enough.
# The SMS flood test runs on both: each message also locks its sender's conversation row.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def description(number: int) -> str:
    return f"Jalan berlubang nomor {number} di depan SD Negeri 1 Suwawa, berbahaya."


@pytest.fixture
def shared_redis() -> Iterator[redis.Redis]:
    client = redis_or_skip()
    yield client
    delete_keys(client, PREFIX)
    client.close()


@pytest.fixture
def instances(
    app: Flask, database_url: str, shared_redis: redis.Redis
) -> Iterator[Callable[..., tuple[Flask, Flask]]]:
    """Factory: two apps on conftest's database, limits on, counting in one Redis."""
    built: list[Flask] = []

    def build(**extra: Any) -> tuple[Flask, Flask]:
        config = {
            **_test_config(database_url),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": PREFIX,
            **extra,
        }
        pair = (create_app(config), create_app(config))
        for instance in pair:
            instance.test_client_class = IsolatedClient
        built.extend(pair)
        return pair

    yield build
    for instance in built:
        with instance.app_context():
            telegram = instance.extensions.get("aduan_telegram")
            if telegram is not None:
                telegram.close()
            db.session.remove()
            db.engine.dispose()


def client_at(instance: Flask, address: str) -> FlaskClient:
    client = instance.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def complaints_in(instance: Flask) -> int:
    with instance.app_context():
        return db.session.scalar(select(func.count(Complaint.id))) or 0


def tally(statuses: list[int]) -> Counter[int]:
    return Counter(statuses)


def assert_counted_in_redis(shared_redis: redis.Redis) -> None:
    assert keys_under(shared_redis, PREFIX), "the limits were not counted in the shared Redis"


# --- citizen form, API, Open311 ------------------------------------------------------------


def post_form(client: FlaskClient, number: int) -> int:
    page = client.get("/complaints/new").get_data(as_text=True)
    data = {
        **FORM,
        "description": description(number),
        "csrf_token": csrf_token_from(page),
        "submission_token": hidden_value(page, "submission_token"),
    }
    return client.post("/complaints/new", data=data).status_code


@sqlite_only
def test_a_form_flood_is_cut_off_while_another_citizen_files(instances, shared_redis) -> None:
    first, second = instances()
    flooders = [client_at(first, FLOODER), client_at(second, FLOODER)]
    statuses = [post_form(flooders[n % 2], n) for n in range(14)]
    assert tally(statuses) == {302: 10, 429: 4}
    assert statuses[:10] == [302] * 10  # whichever instance it hits, the 11th is refused
    assert complaints_in(first) == 10
    assert post_form(client_at(second, OTHER_CITIZEN), 99) == 302
    assert complaints_in(first) == 11
    assert_counted_in_redis(shared_redis)


@sqlite_only
def test_an_api_flood_is_cut_off_while_another_client_files(instances, shared_redis) -> None:
    first, second = instances()
    flooders = [client_at(first, FLOODER), client_at(second, FLOODER)]
    responses = [
        flooders[n % 2].post("/api/v1/complaints", json={**API_BODY, "description": description(n)})
        for n in range(14)
    ]
    assert tally([r.status_code for r in responses]) == {201: 10, 429: 4}
    refused = responses[-1]
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert complaints_in(first) == 10
    other = client_at(first, OTHER_CITIZEN).post(
        "/api/v1/complaints", json={**API_BODY, "description": description(99)}
    )
    assert other.status_code == 201
    assert_counted_in_redis(shared_redis)


@sqlite_only
def test_an_open311_flood_is_cut_off_per_api_key(instances, app_ctx, shared_redis) -> None:
    first, second = instances()
    flooding_key, other_key = open311_key("Flooding app"), open311_key("City app")
    # The app's server posts for many citizens from one address: the key is the source.
    flooders = [client_at(first, FLOODER), client_at(second, FLOODER)]
    statuses = [
        flooders[n % 2]
        .post(
            "/open311/v2/requests.json",
            data={**OPEN311_FORM, "description": description(n), "api_key": flooding_key},
        )
        .status_code
        for n in range(63)
    ]
    assert tally(statuses) == {201: 60, 429: 3}
    other = client_at(second, FLOODER).post(
        "/open311/v2/requests.json",
        data={**OPEN311_FORM, "description": description(99), "api_key": other_key},
    )
    assert other.status_code == 201
    assert complaints_in(first) == 61


@sqlite_only
def test_guessing_open311_keys_from_one_address_is_cut_off(instances, app_ctx) -> None:
    first, second = instances()
    guessers = [client_at(first, FLOODER), client_at(second, FLOODER)]
    statuses = [
        guessers[n % 2]
        .post(
            "/open311/v2/requests.json",
            data={**OPEN311_FORM, "description": description(n), "api_key": f"o311_guess{n}"},
        )
        .status_code
        for n in range(33)
    ]
    assert tally(statuses) == {403: 30, 429: 3}
    other = client_at(second, OTHER_CITIZEN).post(
        "/open311/v2/requests.json",
        data={**OPEN311_FORM, "description": description(99), "api_key": open311_key()},
    )
    assert other.status_code == 201


# --- SMS and Telegram: a polite word once, then silence -----------------------------------


def test_an_sms_flood_is_answered_once_then_ignored_on_every_instance(
    instances, twilio_api: FakeTwilioApi
) -> None:
    first, second = instances(**twilio_api.config(), SMS_MAX_INBOUND_PER_HOUR=5)
    flooders = [first.test_client(), second.test_client()]
    flooder, other = "+6281200000001", "+6285200000002"
    answers = [
        twiml_messages(
            signed_post(
                flooders[n % 2], WEBHOOK, inbound_params(f"LAPOR {description(n)}", sender=flooder)
            )
        )
        for n in range(9)
    ]
    assert all(answers[:5]), "the first five reports are acknowledged"
    assert len(answers[5]) == 1 and "ADU-" not in answers[5][0]  # told once to wait
    assert answers[6:] == [[], [], []]  # then ignored
    assert complaints_in(first) == 5
    reply = twiml_messages(
        signed_post(
            second.test_client(), WEBHOOK, inbound_params(f"LAPOR {description(99)}", sender=other)
        )
    )
    assert reply and "ADU-" in reply[0]
    assert complaints_in(first) == 6


@sqlite_only
def test_sms_counts_live_in_the_shared_redis_under_no_phone_number(
    instances, twilio_api: FakeTwilioApi, shared_redis
) -> None:
    first, second = instances(**twilio_api.config(), SMS_MAX_INBOUND_PER_HOUR=2)
    flooder = "+6281200000003"
    answers = [
        twiml_messages(
            signed_post(client, WEBHOOK, inbound_params("INFO", sender=f"whatsapp:{flooder}"))
        )
        for client in (first.test_client(), second.test_client(), first.test_client())
    ]
    assert [len(answer) for answer in answers] == [1, 1, 1]
    assert answers[0] == answers[1] != answers[2]  # the help text twice, then the notice
    keys = [key.decode() for key in keys_under(shared_redis, PREFIX)]
    assert any("/sms-sender/whatsapp/" in key for key in keys)
    assert not any(flooder.lstrip("+")[-9:] in key for key in keys)


def telegram_receipts(instance: Flask) -> int:
    with instance.app_context():
        return (
            db.session.scalar(
                select(func.count(InboundReceipt.id)).where(InboundReceipt.channel == "telegram")
            )
            or 0
        )


@sqlite_only
def test_a_telegram_flood_is_answered_once_then_dropped_with_200(instances, shared_redis) -> None:
    with FakeTelegramApi.running() as bot_api:
        first, second = instances(**bot_api.config())
        webhooks = [first.test_client(), second.test_client()]
        flooder, other = Citizen(chat_id=777_000_001), Citizen(chat_id=777_000_002)

        def post(client: FlaskClient, update: dict[str, Any], secret: str = WEBHOOK_SECRET) -> int:
            headers = {SECRET_HEADER: secret}
            return client.post(
                "/channels/telegram/webhook", json=update, headers=headers
            ).status_code

        # Forged updates in the flooder's name are refused and spend none of its budget.
        assert [post(webhooks[0], flooder.text("/help"), "wrong") for _ in range(25)] == [403] * 25
        statuses = [
            post(webhooks[n % 2], flooder.text(f"/status ADU-{n:04d}-AAAA")) for n in range(26)
        ]
        assert statuses == [200] * 26  # never an error: Telegram would redeliver
        assert telegram_receipts(first) == 20
        notices = [text for text in bot_api.texts_to(flooder.chat_id) if "faster" in text]
        assert len(notices) == 1
        assert len(bot_api.texts_to(flooder.chat_id)) == 21  # 20 answers and one notice
        assert post(webhooks[1], other.text("/start")) == 200
        assert telegram_receipts(first) == 21
        assert bot_api.texts_to(other.chat_id)
        assert_counted_in_redis(shared_redis)


# --- staff sign-in ---------------------------------------------------------------------------


def sign_in(client: FlaskClient, email: str, password: str) -> int:
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/staff/login", data=data).status_code


@sqlite_only
def test_a_sign_in_flood_is_cut_off_and_staff_elsewhere_still_sign_in(
    instances, cast: Cast
) -> None:
    first, second = instances()
    flooders = [client_at(first, FLOODER), client_at(second, FLOODER)]
    statuses = [
        sign_in(flooders[n % 2], f"guess{n}@bonebolangokab.go.id", "hunter2") for n in range(13)
    ]
    assert tally(statuses) == {401: 10, 429: 3}
    # Even the right password is refused from the flooding address for now.
    assert sign_in(flooders[0], cast.officer_a.email, STAFF_PASSWORD) == 429
    assert sign_in(client_at(second, OTHER_CITIZEN), cast.officer_a.email, STAFF_PASSWORD) == 302


@sqlite_only
def test_an_office_behind_one_address_signs_in_freely(instances, cast: Cast) -> None:
    """Only failed sign-ins count against an address: a whole office shares one (NAT)."""
    first, _second = instances()
    # Fifteen browsers in one office, one address: every morning sign-in goes through.
    for _browser in range(15):
        assert sign_in(client_at(first, FLOODER), cast.officer_a.email, STAFF_PASSWORD) == 302
    # Mistyped addresses still count, and ten failures a minute close the address.
    office = client_at(first, FLOODER)
    failures = [sign_in(office, f"typo{n}@bonebolangokab.go.id", "wrong") for n in range(11)]
    assert tally(failures) == {401: 10, 429: 1}


# --- who counts as one client ----------------------------------------------------------------


@pytest.fixture
def limited_app(app: Flask, database_url: str) -> Iterator[Callable[..., Flask]]:
    """Factory: one app with limits on, counting in memory (the default without REDIS_URL)."""
    built: list[Flask] = []

    def build(**extra: Any) -> Flask:
        config = {**_test_config(database_url), "RATELIMIT_ENABLED": True, **extra}
        instance = create_app(config)
        instance.test_client_class = IsolatedClient
        built.append(instance)
        return instance

    yield build
    for instance in built:
        with instance.app_context():
            db.session.remove()
            db.engine.dispose()


def api_post(client: FlaskClient, number: int, **headers: str) -> int:
    body = {**API_BODY, "description": description(number)}
    return client.post("/api/v1/complaints", json=body, headers=headers).status_code


@sqlite_only
def test_an_ipv6_flood_cannot_escape_by_rotating_addresses_in_its_network(limited_app) -> None:
    instance = limited_app()
    statuses = [api_post(client_at(instance, f"2001:db8:aa:bb::{n + 1:x}"), n) for n in range(12)]
    assert tally(statuses) == {201: 10, 429: 2}
    assert api_post(client_at(instance, "2001:db8:aa:cc::1"), 99) == 201  # another subscriber


@sqlite_only
def test_behind_a_proxy_each_citizen_counts_apart_and_forged_headers_do_not_help(
    limited_app,
) -> None:
    instance = limited_app(ADUAN_PROXY_HOPS=1)
    proxy = client_at(instance, "10.0.0.5")  # nginx appends the address it saw last

    def via_proxy(number: int, citizen: str, forged: str | None = None) -> int:
        chain = f"{forged}, {citizen}" if forged else citizen
        return api_post(proxy, number, **{"X-Forwarded-For": chain})

    statuses = [via_proxy(n, FLOODER, forged=f"192.0.2.{n}") for n in range(12)]
    assert tally(statuses) == {201: 10, 429: 2}
    assert via_proxy(99, OTHER_CITIZEN) == 201


@sqlite_only
def test_without_proxy_hops_everyone_behind_the_proxy_shares_one_limit_and_the_log_says_so(
    limited_app, caplog: pytest.LogCaptureFixture
) -> None:
    instance = limited_app(ADUAN_PROXY_HOPS=0)
    proxy = client_at(instance, "10.0.0.5")
    ratelimit._warned_about_proxy = False
    with caplog.at_level(logging.WARNING, logger="complaints.ratelimit"):
        statuses = [
            api_post(proxy, n, **{"X-Forwarded-For": f"198.51.100.{next(_addresses)}"})
            for n in range(11)
        ]
    assert statuses[-1] == 429  # the documented misconfiguration: set ADUAN_PROXY_HOPS=1
    warnings = [r for r in caplog.records if "ADUAN_PROXY_HOPS=0" in r.getMessage()]
    assert len(warnings) == 1


@sqlite_only
def test_intake_goes_on_when_the_rate_limit_store_is_down(limited_app) -> None:
    # Nothing listens on port 1: every Redis call fails at once.
    instance = limited_app(
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    )
    try:
        statuses = [api_post(client_at(instance, FLOODER), n) for n in range(12)]
        # Counted in the process meanwhile: a flood is still cut off.
        assert tally(statuses) == {201: 10, 429: 2}
        assert api_post(client_at(instance, OTHER_CITIZEN), 99) == 201
    finally:
        limiter._storage_dead = False  # the next app in this process starts healthy


@sqlite_only
def test_tracking_code_lookups_share_one_daily_budget_per_address(
    limited_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tracking page, the public API and Open311 draw on one daily budget per address.

    The service's budget is 1,000 lookups a day; this app is given 90 so the test
    spends 90 requests rather than a thousand on the same rule.
    """
    assert limited_app().config["CODE_LOOKUPS_PER_DAY"] == "1000/day"  # the service's own
    budget = 90
    instance = limited_app(CODE_LOOKUPS_PER_DAY=f"{budget}/day")
    guesser = client_at(instance, FLOODER)
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])  # the limiter's clock
    lookups = (
        "/track/ADU-0000-{:04d}",
        "/api/v1/complaints/ADU-0000-{:04d}",
        "/open311/v2/requests/ADU-0000-{:04d}.json",
    )
    statuses = []
    for n in range(budget):
        if n % 10 == 0:
            now[0] += 61  # a new minute every 10 guesses: never the per-minute limits
        statuses.append(guesser.get(lookups[n % 3].format(n % 10_000)).status_code)
    assert tally(statuses) == {404: budget}  # unknown codes, each answered
    now[0] += 61
    assert [guesser.get(url.format(1)).status_code for url in lookups] == [429, 429, 429]
    # Another address still looks up, and the form and the rest of the site still work.
    assert client_at(instance, OTHER_CITIZEN).get("/track/ADU-0000-0001").status_code == 404
    assert guesser.get("/complaints/new").status_code == 200
