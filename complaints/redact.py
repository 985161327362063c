"""Masking personal data in free text before it is shown outside the staff console."""

from __future__ import annotations

import re

import phonenumbers

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# NIK (16 digits) and other long digit runs such as bank or KK numbers.
_LONG_NUMBER = re.compile(r"\b\d[\d .-]{9,}\d\b")
MASK = "[…]"


def redact(text: str, names: tuple[str | None, ...] = ()) -> str:
    """Replace e-mail addresses, phone numbers, ID numbers and the given names with a mask."""
    spans = [
        (match.start, match.end)
        for match in phonenumbers.PhoneNumberMatcher(
            text, "ID", leniency=phonenumbers.Leniency.POSSIBLE
        )
    ]
    masked = _apply(text, spans)
    masked = _EMAIL.sub(MASK, masked)
    masked = _LONG_NUMBER.sub(MASK, masked)
    # Each part of the name on its own: a reply addressed "Bu Siti, …" must not
    # reveal the first name of "Siti Rahmawati". Short parts (Bu, Pak) are left.
    parts = {
        part for name in names if name for part in re.split(r"[\s,.]+", name) if len(part) >= 3
    }
    for part in sorted(parts, key=len, reverse=True):
        masked = re.sub(rf"\b{re.escape(part)}\b", MASK, masked, flags=re.IGNORECASE)
    return masked


def _apply(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + MASK + text[end:]
    return text
