"""Tracking codes: unguessable, readable, forgiving on input."""

from __future__ import annotations

import itertools
import re

from complaints.codes import new_code, normalize_code

CODE_PATTERN = re.compile(r"^ADU-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def test_a_code_is_short_and_uses_crockford_base32() -> None:
    code = new_code()
    assert CODE_PATTERN.match(code), code
    assert not set("ILOU") & set(code[4:])


def test_a_hundred_thousand_codes_do_not_collide() -> None:
    codes = {new_code() for _ in range(100_000)}
    assert len(codes) == 100_000


def test_codes_are_not_sequential() -> None:
    codes = [new_code() for _ in range(1000)]
    assert codes != sorted(codes)
    # Consecutive codes share no more leading symbols than chance would give.
    shared_prefix = sum(a[4] == b[4] for a, b in itertools.pairwise(codes))
    assert shared_prefix < 100  # about 1000 / 32 expected


def test_typed_codes_are_case_insensitive_and_forgive_lookalikes() -> None:
    assert normalize_code("adu-7k3q-9m2x") == "ADU-7K3Q-9M2X"
    assert normalize_code(" ADU7K3Q9M2X ") == "ADU-7K3Q-9M2X"
    assert normalize_code("7k3q 9m2x") == "ADU-7K3Q-9M2X"
    assert normalize_code("adu-7k3q-9m2o") == "ADU-7K3Q-9M20"
    assert normalize_code("adu-ik3q-lm2x") == "ADU-1K3Q-1M2X"


def test_nonsense_is_not_a_code() -> None:
    assert normalize_code("") is None
    assert normalize_code("ADU-123") is None
    assert normalize_code("ADU-7K3Q-9M2X-EXTRA") is None
    assert normalize_code("<script>") is None
