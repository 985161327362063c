"""The app hashes staff passwords with Argon2id at no less than RFC 9106's low-memory choice.

The other tests hash at argon2-cffi's cheapest parameters (tests/conftest.py),
so the parameters the app runs with are checked here, as the app made them.
"""

from __future__ import annotations

from argon2 import Type
from argon2.profiles import RFC_9106_LOW_MEMORY

from complaints import auth
from tests.conftest import PRODUCTION_PASSWORD_HASHER


def test_the_apps_password_hashes_are_argon2id_at_rfc_9106_low_memory_or_stronger() -> None:
    hasher = PRODUCTION_PASSWORD_HASHER
    assert hasher.type is Type.ID
    assert hasher.time_cost >= RFC_9106_LOW_MEMORY.time_cost
    assert hasher.memory_cost >= RFC_9106_LOW_MEMORY.memory_cost
    assert hasher.parallelism >= RFC_9106_LOW_MEMORY.parallelism
    assert hasher.hash("correct-horse-battery").startswith(
        f"$argon2id$v=19$m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}$"
    )


def test_the_tests_hash_with_cheaper_parameters_but_still_with_argon2id() -> None:
    made = auth.hash_password("correct-horse-battery")
    assert made.startswith("$argon2id$")
    assert auth._hasher.verify(made, "correct-horse-battery")
    assert auth._hasher.check_needs_rehash(made) is False
    assert PRODUCTION_PASSWORD_HASHER.check_needs_rehash(made) is True
