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
    for name in names:
        if name and len(name.strip()) >= 3:
            masked = re.sub(re.escape(name.strip()), MASK, masked, flags=re.IGNORECASE)
    return masked


def _apply(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + MASK + text[end:]
    return text
