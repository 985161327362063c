"""Deeply nested JSON: ``[[[[…]]]]`` or ``{"a": {"a": …}}`` thousands of levels deep.

Python's decoder recurses once per level, so such a body used to end in a
RecursionError: a 500 from ``POST /api/v1/complaints`` and from the Telegram
webhook. Every request body is now parsed through the app's JSON provider,
which measures the nesting first and refuses more than MAX_DEPTH levels with
a 400 in the API's error envelope, before anything is read or stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from channels.telegram.views import SECRET_HEADER
from complaints import create_app
from complaints.extensions import db, limiter
from complaints.models import Complaint, Conversation, InboundReceipt
from complaints.request_json import MAX_DEPTH
from tests.conftest import _test_config
from tests.fakes.telegram_api import (  # noqa: F401 -- fixtures
    WEBHOOK_SECRET,
    Citizen,
    FakeTelegramApi,
    bot_api_fixture,
    telegram_app_fixture,
)

API = "/api/v1/complaints"
WEBHOOK = "/channels/telegram/webhook"
VALID = {
    "category": "road-damage",
    "description": "Jalan berlubang besar di depan SD Negeri 1 Suwawa.",
}


def arrays(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def objects(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def inside(document: dict, name: str, nested: bytes) -> bytes:
    """``document`` with the member ``name`` set to the raw ``nested`` JSON."""
    return (
        json.dumps({**document, name: None})
        .encode()
        .replace(f'"{name}": null'.encode(), f'"{name}": '.encode() + nested)
    )


# The API takes at most 64 KiB of JSON; each of these fits, and each crashed the decoder.
API_BODIES = {
    "arrays": arrays(30_000),
    "objects": objects(10_000),
    "a deep member of a valid complaint": inside(VALID, "address", arrays(20_000)),
}
# The webhook takes up to 256 KiB: the finding's 100,000 levels fit.
WEBHOOK_BODIES = {
    "arrays": arrays(100_000),
    "objects": objects(40_000),
    "a deep member of an update": inside(Citizen(chat_id=4242).text("/start"), "x", arrays(50_000)),
}


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def assert_refused_as_too_deep(response) -> None:
    assert response.status_code == 400, response.status_code
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "json_too_deep"
    assert set(error) == {"code", "message", "fields"}
    assert str(MAX_DEPTH) in error["message"]


def webhook_post(client: FlaskClient, body: bytes):
    return client.post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        headers={SECRET_HEADER: WEBHOOK_SECRET},
    )


@pytest.mark.parametrize("shape", API_BODIES)
def test_the_api_refuses_a_deeply_nested_body_with_400_and_files_nothing(
    client: FlaskClient, app_ctx: Flask, shape: str
) -> None:
    response = client.post(API, data=API_BODIES[shape], content_type="application/json")
    assert_refused_as_too_deep(response)
    assert count(Complaint) == 0
    assert client.post(API, json=VALID).status_code == 201  # a normal body still works
    assert count(Complaint) == 1


def test_the_limit_counts_nesting_not_brackets_inside_text(
    client: FlaskClient, app_ctx: Flask
) -> None:
    at_the_limit = inside(VALID, "address", arrays(MAX_DEPTH - 1))
    over_it = inside(VALID, "address", arrays(MAX_DEPTH))
    # At the limit the body is parsed, and the API says what is wrong with the address.
    parsed = client.post(API, data=at_the_limit, content_type="application/json")
    assert parsed.status_code == 422 and "address" in parsed.get_json()["error"]["fields"]
    assert_refused_as_too_deep(client.post(API, data=over_it, content_type="application/json"))
    bracketed = {**VALID, "description": "[" * 500 + " Jalan rusak parah {foto} " + "]" * 500}
    response = client.post(API, json=bracketed)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert count(Complaint) == 1


def test_the_refusal_is_worded_in_the_clients_language(app: Flask, app_ctx) -> None:
    indonesian, english = (
        app.test_client()
        .post(f"{API}{query}", data=arrays(1000), content_type="application/json")
        .get_json()
        for query in ("", "?lang=en")
    )
    assert "nested too deeply" in english["error"]["message"]
    assert "bersarang terlalu dalam" in indonesian["error"]["message"]


@pytest.mark.parametrize("shape", WEBHOOK_BODIES)
def test_the_telegram_webhook_refuses_a_deeply_nested_update_with_400(
    client: FlaskClient, app_ctx: Flask, bot_api: FakeTelegramApi, shape: str
) -> None:
    assert_refused_as_too_deep(webhook_post(client, WEBHOOK_BODIES[shape]))
    assert not bot_api.calls_to("sendMessage")
    assert count(InboundReceipt) == 0 and count(Conversation) == 0 and count(Complaint) == 0
    # A normal update still gets its answer.
    citizen = Citizen(chat_id=4243)
    assert webhook_post(client, json.dumps(citizen.text("/start")).encode()).status_code == 200
    assert bot_api.texts_to(citizen.chat_id)


@pytest.fixture
def limited_app(database_url: str, app: Flask, bot_api: FakeTelegramApi) -> Iterator[Flask]:
    """The Telegram app with rate limits on: the per-chat limit's key parses the body first."""
    application = create_app(
        {
            **_test_config(database_url),
            **bot_api.config(),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    yield application
    limiter._storage_dead = False  # should a failure have left it set, the next app starts healthy
    with application.app_context():
        application.extensions["aduan_telegram"].close()
        db.engine.dispose()


def test_with_rate_limits_on_the_webhook_refuses_it_and_the_limiter_keeps_its_storage(
    limited_app: Flask, bot_api: FakeTelegramApi
) -> None:
    client = limited_app.test_client()
    for body in WEBHOOK_BODIES.values():
        assert_refused_as_too_deep(webhook_post(client, body))
    # An error in the key function would have made Flask-Limiter give up its storage
    # and count per process from then on.
    assert not limiter._storage_dead
    citizen = Citizen(chat_id=4244)
    assert webhook_post(client, json.dumps(citizen.text("/start")).encode()).status_code == 200
    assert bot_api.texts_to(citizen.chat_id)
