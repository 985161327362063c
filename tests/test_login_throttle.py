"""Staff sign-in tells no one which accounts exist, and no stranger can lock one out.

Failed sign-ins count per address (10 a minute, 60 an hour) and per account
AND address (5 in 15 minutes), in Flask-Limiter's store (here: memory; Redis
in production, see test_floods). The account is the e-mail as typed, so an
unknown one is throttled and answered exactly like a known one, and its
password goes through the same Argon2 check.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from complaints import create_app
from complaints.extensions import db
from complaints.models import AuditLog
from tests.conftest import STAFF_PASSWORD, Cast, IsolatedClient, _test_config, csrf_token_from

ATTACKER = "203.0.113.66"
ADMIN_AT_HOME = "198.51.100.23"
NOBODY = "nobody@bonebolangokab.go.id"
# Headers that carry the moment of the answer, its length or its own session.
TIMED_HEADERS = {"X-RateLimit-Reset", "Retry-After", "Content-Length", "Set-Cookie"}


@pytest.fixture
def limited_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """The app on conftest's database with rate limits on, counting in memory."""
    config = {
        **_test_config(database_url),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    instance = create_app(config)
    instance.test_client_class = IsolatedClient
    yield instance
    with instance.app_context():
        db.session.remove()
        db.engine.dispose()


def client_at(instance: Flask, address: str) -> FlaskClient:
    client = instance.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attempt(client: FlaskClient, email: str, password: str) -> TestResponse:
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/staff/login", data=data)


def status(client: FlaskClient, email: str, password: str) -> int:
    return attempt(client, email, password).status_code


def answer(response: TestResponse, email: str) -> tuple[int, str, dict[str, str]]:
    """What a guesser sees, without the parts that differ by request anyway."""
    body = response.get_data(as_text=True).replace(email, "EMAIL")
    body = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", body)
    headers = {k: v for k, v in response.headers.items() if k not in TIMED_HEADERS}
    return response.status_code, body, headers


def test_known_unknown_and_inactive_accounts_get_the_same_answers(
    limited_app: Flask, cast: Cast
) -> None:
    cast.officer_b.active = False
    db.session.commit()
    tries = [
        (client_at(limited_app, "203.0.113.1"), cast.admin.email, "hunter2-hunter2"),
        (client_at(limited_app, "203.0.113.2"), NOBODY, "hunter2-hunter2"),
        # A deactivated account, even with its right password.
        (client_at(limited_app, "203.0.113.3"), cast.officer_b.email, STAFF_PASSWORD),
    ]
    answers = [
        [answer(attempt(client, email, password), email) for _ in range(8)]
        for client, email, password in tries
    ]
    assert [code for code, _body, _headers in answers[0]] == [401] * 5 + [429] * 3
    assert answers[1] == answers[0]
    assert answers[2] == answers[0]


def test_an_unknown_account_costs_the_same_password_check_as_a_known_one(
    client: FlaskClient, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    verify = PasswordHasher.verify

    def counting_verify(self: PasswordHasher, hash: str | bytes, password: Any) -> bool:
        checked.append(str(hash).rsplit("$", 2)[0])  # the algorithm and its parameters
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    cast.officer_b.active = False
    db.session.commit()

    assert status(client, cast.admin.email, "hunter2-hunter2") == 401
    assert status(client, NOBODY, "hunter2-hunter2") == 401
    assert status(client, cast.officer_b.email, STAFF_PASSWORD) == 401
    # One Argon2 verification each, all with the parameters of a real account's hash.
    real = cast.admin.password_hash.rsplit("$", 2)[0]
    assert checked == [real, real, real]


def test_the_admin_signs_in_from_elsewhere_while_an_address_hammers_the_account(
    limited_app: Flask, cast: Cast
) -> None:
    attacker = client_at(limited_app, ATTACKER)
    statuses = [status(attacker, cast.admin.email, f"guess-{n}") for n in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    # From the hammering address even the right password is refused for now …
    assert status(attacker, cast.admin.email, STAFF_PASSWORD) == 429
    # … while the admin, at another address, signs in at once.
    assert status(client_at(limited_app, ADMIN_AT_HOME), cast.admin.email, STAFF_PASSWORD) == 302


def test_an_address_is_cut_off_after_ten_failures_a_minute_whatever_the_accounts(
    limited_app: Flask, cast: Cast
) -> None:
    attacker = client_at(limited_app, ATTACKER)
    statuses = [status(attacker, f"guess{n}@bonebolangokab.go.id", "hunter2") for n in range(12)]
    assert statuses == [401] * 10 + [429] * 2
    assert status(client_at(limited_app, ADMIN_AT_HOME), cast.admin.email, STAFF_PASSWORD) == 302


@pytest.fixture
def limiter_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Move the rate limiter's clock forward by some seconds."""
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])

    def advance(seconds: float) -> None:
        now[0] += seconds

    return advance


def test_a_slow_guesser_is_cut_off_after_sixty_failures_an_hour(
    limited_app: Flask, cast: Cast, limiter_clock: Callable[[float], None]
) -> None:
    attacker = client_at(limited_app, ATTACKER)
    statuses = []
    for n in range(61):
        if n % 10 == 0:
            limiter_clock(61)  # a new minute every ten guesses: never the per-minute limit
        statuses.append(status(attacker, f"guess{n}@bonebolangokab.go.id", "hunter2"))
    assert statuses == [401] * 60 + [429]
    assert status(attacker, cast.admin.email, STAFF_PASSWORD) == 429
    assert status(client_at(limited_app, ADMIN_AT_HOME), cast.admin.email, STAFF_PASSWORD) == 302


def test_an_account_locked_at_one_address_opens_again_after_fifteen_minutes(
    limited_app: Flask, cast: Cast, limiter_clock: Callable[[float], None]
) -> None:
    typist = client_at(limited_app, ATTACKER)
    assert [status(typist, cast.officer_a.email, "wrong-password") for _ in range(6)] == (
        [401] * 5 + [429]
    )
    limiter_clock(15 * 60 + 1)
    assert status(typist, cast.officer_a.email, STAFF_PASSWORD) == 302
    # The audit log keeps the failures against the account (refusals cost no database work).
    actions = db.session.scalars(
        select(AuditLog.action)
        .where(AuditLog.actor_user_id == cast.officer_a.id)
        .order_by(AuditLog.id)
    ).all()
    assert actions == ["login_failed"] * 5 + ["login"]


def test_an_office_behind_one_address_signs_in_freely_and_a_success_forgets_typos(
    limited_app: Flask, cast: Cast
) -> None:
    for _browser in range(15):
        assert status(client_at(limited_app, ATTACKER), cast.officer_a.email, STAFF_PASSWORD) == 302
    office = client_at(limited_app, ATTACKER)
    # Four typos, then the right password: the count for that account starts again.
    for _morning in range(2):
        assert [status(office, cast.officer_b.email, "typo-typo") for _ in range(4)] == [401] * 4
        assert status(office, cast.officer_b.email, STAFF_PASSWORD) == 302
