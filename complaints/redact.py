"""Masking personal data in free text before it is shown outside the staff console.

Masked, however people write them to get past a filter:

- e-mail addresses: ``siti@example.com``, ``siti(at)example.com``,
  ``siti [at] example [dot] com``, ``siti at example dot com`` (also with
  ``titik`` for the dot);
- phone numbers: Indonesian mobiles and landlines grouped any way
  (``0812 3456 7890``, ``(0812) 345-6789``, ``+62 812-3456-7890``,
  ``62812…``), any ``+`` international number, and numbers read out in words
  (``nol delapan satu dua …``, ``kosong delapan …``, ``zero eight one two …``);
- other long digit runs (NIK, KK, NPWP, bank accounts: ten digits or more);
- each part of the names given.

Left alone: years, amounts (``Rp 1.500.000``), RT/RW numbers, dates, times,
coordinates. Every pattern is bounded and starts only at a word's start, so
a hostile text costs linear time to scan.
"""

from __future__ import annotations

import re

MASK = "[…]"

# --- e-mail addresses ---
_OPEN, _CLOSE = r"[(\[{<]", r"[)\]}>]"
# "@", or "at" (or "@") inside brackets, spaces around allowed.
_AT = rf"(?:\s{{0,3}}@\s{{0,3}}|\s{{0,3}}{_OPEN}\s{{0,2}}(?:at|@)\s{{0,2}}{_CLOSE}\s{{0,3}})"
# A bare word: "siti at example dot com".
_AT_WORD = r"\s{1,3}at\s{1,3}"
_DOT = (
    rf"(?:\.|\s{{0,3}}{_OPEN}\s{{0,2}}(?:dot|titik|\.)\s{{0,2}}{_CLOSE}\s{{0,3}}"
    r"|\s{1,3}(?:dot|titik)\s{1,3})"
)
# In the domain also " . " (a dot with spaces on both sides; "x.com. Then" ends at "com").
_DOMAIN_DOT = rf"(?:{_DOT}|\s{{1,3}}\.\s{{1,3}})"
_PART = r"[\w+-]++"
_LOCAL = rf"(?<![\w.+-]){_PART}(?:{_DOT}{_PART}){{0,4}}"
_EMAIL = re.compile(rf"{_LOCAL}{_AT}{_PART}(?:{_DOMAIN_DOT}{_PART}){{1,4}}", re.IGNORECASE)
# With a bare "at" the address must end in a known top-level domain, so that prose
# ("we met at school dot…") stays.
_TLDS = "com|net|org|id|info|biz|edu|gov|co|ac|go|or|sch|web|my|mil|io|me|xyz|uk|sg|au|us"
_EMAIL_IN_WORDS = re.compile(
    rf"{_LOCAL}{_AT_WORD}{_PART}(?:{_DOMAIN_DOT}{_PART}){{0,3}}{_DOMAIN_DOT}(?:{_TLDS})\b",
    re.IGNORECASE,
)

# --- numbers written with digits ---
# Digits as people group them: spaces, dots, dashes, slashes, an area code in brackets.
_DIGIT_RUN = re.compile(
    r"(?<![\d+])(?:\+\s?)?(?:\(\s?)?\d(?:(?:[ \u00a0.\-\u2013/]|\)\s?|\s?\(\s?)?\d)*+"
)
# Rp 1.500.000, or a range of them: 1.250.000-2.500.000.
_AMOUNT = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+(?:\s?[\-\u2013/]\s?[1-9]\d{0,2}(?:\.\d{3})+)*")
_DATE = r"(?:\d{1,2}[.\-/]\d{1,2}[.\-/](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2})"
_DATE_TIME = re.compile(rf"{_DATE}(?:\s\d{{1,2}}[.:]\d{{2}})?")
_YEARS = re.compile(r"(?:19|20)\d{2}(?:[ \-/](?:19|20)\d{2})*")
_COORDINATE = re.compile(r"(?:0|[1-9]\d{0,2})\.\d{4,}")
# NIK and KK have 16 digits, NPWP 15, bank accounts 10 to 16.
LONG_NUMBER_DIGITS = 10

# --- numbers read out in words ---
_DIGIT_WORDS = {
    **dict.fromkeys(("nol", "kosong", "zero", "oh"), "0"),
    **dict.fromkeys(("satu", "one"), "1"),
    **dict.fromkeys(("dua", "two"), "2"),
    **dict.fromkeys(("tiga", "three"), "3"),
    **dict.fromkeys(("empat", "four"), "4"),
    **dict.fromkeys(("lima", "five"), "5"),
    **dict.fromkeys(("enam", "six"), "6"),
    **dict.fromkeys(("tujuh", "seven"), "7"),
    **dict.fromkeys(("delapan", "eight"), "8"),
    **dict.fromkeys(("sembilan", "nine"), "9"),
}
_TOKEN = rf"(?:\b(?:{'|'.join(_DIGIT_WORDS)})\b|(?<!\d)\d++)"
_SPELLED_NUMBER = re.compile(
    rf"(?:\bplus\s{{1,3}})?{_TOKEN}(?:[\s,.\-]{{1,3}}{_TOKEN})++", re.IGNORECASE
)


def redact(text: str, names: tuple[str | None, ...] = ()) -> str:
    """Replace e-mail addresses, phone numbers, ID numbers and the given names with a mask."""
    masked = _EMAIL.sub(MASK, text)
    masked = _EMAIL_IN_WORDS.sub(MASK, masked)
    masked = _SPELLED_NUMBER.sub(_mask_spelled_number, masked)
    masked = _DIGIT_RUN.sub(_mask_digit_run, masked)
    # Each part of the name on its own: a reply addressed "Bu Siti, …" must not
    # reveal the first name of "Siti Rahmawati". Short parts (Bu, Pak) are left.
    parts = {
        part for name in names if name for part in re.split(r"[\s,.]+", name) if len(part) >= 3
    }
    for part in sorted(parts, key=len, reverse=True):
        masked = re.sub(rf"\b{re.escape(part)}\b", MASK, masked, flags=re.IGNORECASE)
    return masked


def is_phone_number(digits: str, international: bool = False) -> bool:
    """Whether a number's digits (``international``: written with a leading ``+``) dial a phone.

    Indonesian mobiles are 08 + 8 to 11 digits (62 8… from abroad); landlines
    are 0, an area code of two or three digits starting 2–7 or 9, and the
    subscriber's number: 8 to 10 digits after the 0.
    """
    if international:
        return 8 <= len(digits) <= 15  # E.164
    if digits.startswith("62"):  # written without the +, as in wa.me links: mobiles only
        return digits[2:3] == "8" and 9 <= len(digits) - 2 <= 12
    if not digits.startswith("0"):
        return False
    national = digits[1:]
    if national.startswith("8"):
        return 9 <= len(national) <= 12
    return national[:1] in "2345679" and 8 <= len(national) <= 10


def _is_personal_number(run: str) -> bool:
    """A phone number or an ID-like long number, not an amount, a date, years or a coordinate."""
    if any(shape.fullmatch(run) for shape in (_AMOUNT, _DATE_TIME, _YEARS, _COORDINATE)):
        return False
    digits = re.sub(r"\D", "", run)
    return is_phone_number(digits, run.startswith("+")) or len(digits) >= LONG_NUMBER_DIGITS


def _mask_digit_run(match: re.Match[str]) -> str:
    run = match.group()
    if not _is_personal_number(run):
        return run
    # "(0812-3456-7890)": keep the bracket that opened before the number, as its closer is kept.
    return "(" + MASK if run.startswith("(") and ")" not in run else MASK


def _mask_spelled_number(match: re.Match[str]) -> str:
    spelled = match.group()
    words = re.findall(r"[^\W\d_]+|\d+", spelled.lower())
    if not any(word in _DIGIT_WORDS for word in words):
        return spelled  # digits only: the digit pass decides
    international = bool(words) and words[0] == "plus"
    digits = "".join(_DIGIT_WORDS.get(word, word) for word in words if word != "plus")
    if is_phone_number(digits, international) or len(digits) >= LONG_NUMBER_DIGITS:
        return MASK
    return spelled
