"""A longer schemathesis run over the whole OpenAPI spec, Open311 included: no 5xx, ever.

The normal suite (``tests/test_api_openapi.py``) sends a few examples per
operation on both databases; this run sends several times more, with the
same checks (no server error, documented status, content type and body,
secured operations refuse a missing token), on PostgreSQL: it is the
stricter database (NUL characters, lone surrogates, integer overflow).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask

from tests.test_api_openapi import credentials, fuzz_every_operation  # noqa: F401 -- fixture

EXAMPLES = 20
BUDGET_SECONDS = 60  # on 2 busy cores; about 15 s on an idle machine


@pytest.fixture
def postgresql_only(database_url: str) -> None:
    """Skip before the data is built: the longer run goes to PostgreSQL only."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the longer run goes to PostgreSQL; the normal suite fuzzes SQLite")


def test_every_operation_survives_a_longer_fuzz_run(
    postgresql_only: None,
    app: Flask,
    credentials: dict[str, Any],  # noqa: F811 -- the fixture imported above
) -> None:
    started = time.monotonic()
    fuzz_every_operation(app, credentials, EXAMPLES)
    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {EXAMPLES} examples per operation and mode in {elapsed:.1f} s")
    assert elapsed < BUDGET_SECONDS
