"""How many SMS segments a text costs, and keeping replies inside a budget.

An SMS carries 140 bytes. Text that only uses the GSM 03.38 alphabet
(GSM-7) packs 160 characters into one message; a single character outside
it (a curly quote, an em dash, an emoji) switches the whole text to UCS-2,
70 characters. Longer texts are split into segments that each lose room to
the concatenation header: 153 GSM-7 septets or 67 UCS-2 code units. Each
segment is billed as one SMS, so a reply that slips from GSM-7 to UCS-2 can
cost three times as much. Characters of the GSM-7 extension table (``€``,
``[`` …) take two septets and are never split across segments.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# GSM 03.38 default alphabet (the escape character 0x1B is not a character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Reached through the escape character: two septets each.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE_GSM7 = 160
MULTI_GSM7 = 153
SINGLE_UCS2 = 70
MULTI_UCS2 = 67

ELLIPSIS = "..."

# Typographic characters that sneak into texts (translations, staff replies
# pasted from a word processor) and would turn an SMS into UCS-2.
_GSM7_LOOKALIKES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": ELLIPSIS,
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2022": "*",
        "\u00b7": "*",
        "\t": " ",
    }
)


class Encoding(enum.StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class SegmentCount:
    """The cost of one text: its encoding, its length in units, and its segments."""

    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` exists in the GSM-7 alphabet."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def encoding_of(text: str) -> Encoding:
    return Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2


def _unit_sizes(text: str, encoding: Encoding) -> list[int]:
    if encoding == Encoding.GSM7:
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    # Characters beyond the Basic Multilingual Plane are surrogate pairs in UTF-16.
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _limits(encoding: Encoding) -> tuple[int, int]:
    if encoding == Encoding.GSM7:
        return SINGLE_GSM7, MULTI_GSM7
    return SINGLE_UCS2, MULTI_UCS2


def _pack(sizes: list[int], per_segment: int) -> int:
    """Segments needed when no character may straddle two segments."""
    segments, used = 1, 0
    for size in sizes:
        if used + size > per_segment:
            segments += 1
            used = 0
        used += size
    return segments


def count_segments(text: str) -> SegmentCount:
    """How ``text`` would be sent: encoding, units and number of segments (at least one)."""
    encoding = encoding_of(text)
    sizes = _unit_sizes(text, encoding)
    units = sum(sizes)
    single, multi = _limits(encoding)
    segments = 1 if units <= single else _pack(sizes, multi)
    return SegmentCount(encoding, units, segments)


def sms_safe(text: str) -> str:
    """Replace typographic characters by their GSM-7 look-alikes (quotes, dashes, ellipsis)."""
    return text.translate(_GSM7_LOOKALIKES)


def _capacity(encoding: Encoding, max_segments: int) -> int:
    single, multi = _limits(encoding)
    return single if max_segments == 1 else multi * max_segments


def fit(text: str, max_segments: int = 2) -> str:
    """``text`` shortened (at a word boundary, ending in "...") to fit ``max_segments``.

    Capacity is counted in whole units with the segment size of the text's
    encoding; an extension character is never cut in half.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    if count_segments(text).segments <= max_segments:
        return text
    encoding = encoding_of(text)
    budget = _capacity(encoding, max_segments) - len(ELLIPSIS)
    kept, used = [], 0
    for char, size in zip(text, _unit_sizes(text, encoding), strict=True):
        if used + size > budget:
            break
        kept.append(char)
        used += size
    shortened = "".join(kept)
    # Cut at the last space when it is close, so no word is left half-written.
    space = shortened.rfind(" ")
    if space >= len(shortened) - 20 and space > 0:
        shortened = shortened[:space]
    result = shortened.rstrip(" ,.;:-") + ELLIPSIS
    # Packing into segments can lose a unit or two to an extension character
    # at a boundary; trim further until it fits (rare, and at most a few rounds).
    while count_segments(result).segments > max_segments and len(result) > len(ELLIPSIS):
        result = result[: -len(ELLIPSIS) - 1].rstrip() + ELLIPSIS
    return result
