"""Guessing tracking codes: the space is vast and each client is rate-limited.

A code is ``ADU-`` plus 8 symbols of Crockford's base32 (32 symbols, from
``secrets``), so there are 32**8 = 2**40 ≈ 1.1 × 10**12 codes. With one
million complaints stored, a random guess hits with probability
10**6 / 2**40 ≈ 9.1 × 10**-7: about 1.1 million guesses per hit. The
tracking page and the public API answer at most 60 lookups a minute each
per client address, so one address needs about 1.1 × 10**6 / 120 ≈ 9,200
minutes (≈ 6.4 days) of non-stop guessing per hit, and every guess past the
limit is answered 429 without a lookup.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from flask import Flask

from complaints import create_app
from complaints.codes import ALPHABET, new_code
from complaints.extensions import db
from tests.conftest import _test_config

STORED = 1_000_000
SYMBOLS = 8


@pytest.fixture
def limited_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """The app with its rate limits on (the conftest app has them off), in-memory counts."""
    application = create_app(
        {
            **_test_config(database_url),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    yield application
    with application.app_context():
        db.engine.dispose()


def lookups_until_refused(app: Flask, url: str, address: str, attempts: int = 200) -> int:
    """How many lookups of random codes one client gets answered before a 429."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    for answered in range(attempts):
        response = client.get(url.format(code=new_code()))
        if response.status_code == 429:
            return answered
        assert response.status_code == 404, response.status_code
    raise AssertionError(f"{attempts} lookups of {url} from one client and no 429")


def test_guessing_tracking_codes_is_rate_limited_per_client(limited_app: Flask) -> None:
    per_minute = {
        url: lookups_until_refused(limited_app, url, "203.0.113.7")
        for url in ("/track/{code}", "/api/v1/complaints/{code}")
    }
    assert all(0 < allowed <= 60 for allowed in per_minute.values()), per_minute
    # The guesser is cut off; another citizen checking their own code is not.
    other = limited_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    assert other.get(f"/track/{new_code()}").status_code == 404

    space = len(ALPHABET) ** SYMBOLS
    guesses_per_hit = space / STORED
    minutes_per_hit = guesses_per_hit / sum(per_minute.values())
    print(
        f"\ntracking codes: {len(ALPHABET)}^{SYMBOLS} = {space:,} ({math.log2(space):.0f} bits); "
        f"at {STORED:,} stored, {guesses_per_hit:,.0f} guesses per hit; "
        f"{sum(per_minute.values())} lookups/min per client -> {minutes_per_hit:,.0f} min "
        f"({minutes_per_hit / 1440:.1f} days) per hit"
    )
    assert len(ALPHABET) == 32 and space == 2**40
    assert minutes_per_hit > 6 * 24 * 60  # days of non-stop guessing per hit, per address
