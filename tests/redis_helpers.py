"""The machine's Redis at 127.0.0.1:6379 for rate-limit tests, under a throw-away key prefix.

Without Redis the tests that need it are skipped locally and fail under
``CI=true``, like PostgreSQL in ``conftest``. ``TEST_REDIS_URL`` overrides
the address.
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from tests.conftest import IN_CI

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip() -> redis.Redis:
    """A client of the test Redis; skip (fail in CI) when it does not answer."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        message = f"Redis is not reachable at {REDIS_URL}: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return client


def new_prefix(purpose: str) -> str:
    """A key prefix no other run uses, so parallel runs never count each other's hits."""
    return f"aduan-test-{purpose}-{uuid.uuid4().hex[:12]}"


def keys_under(client: redis.Redis, prefix: str) -> list[bytes]:
    # limits stores "LIMITS:LIMITER/<prefix>/<key>/…".
    return list(client.scan_iter(match=f"*/{prefix}/*", count=500))


def delete_keys(client: redis.Redis, prefix: str) -> None:
    keys = keys_under(client, prefix)
    if keys:
        client.delete(*keys)
