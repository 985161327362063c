"""What an SMS says: its command word, LAPOR's privacy words, a tracking code.

The first word decides, in Indonesian or English (case-insensitive; ``:`` or
``,`` after it is fine); a word only one language uses also tells the
sender's language. A message without a known first word is free text.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from complaints.codes import normalize_code


class Verb(enum.StrEnum):
    REPORT = "report"
    STATUS = "status"
    HELP = "help"
    CONFIRM = "confirm"  # the reporter confirms the resolution
    REOPEN = "reopen"  # the reporter says it is not resolved


# Command word -> (verb, language it gives away; None when both languages use it).
COMMAND_WORDS: dict[str, tuple[Verb, str | None]] = {
    "lapor": (Verb.REPORT, "id"),
    "aduan": (Verb.REPORT, "id"),
    "report": (Verb.REPORT, "en"),
    "cek": (Verb.STATUS, "id"),
    "status": (Verb.STATUS, None),
    "selesai": (Verb.CONFIRM, "id"),
    "sudah": (Verb.CONFIRM, "id"),
    "done": (Verb.CONFIRM, "en"),
    "belum": (Verb.REOPEN, "id"),
    "reopen": (Verb.REOPEN, "en"),
    "bantuan": (Verb.HELP, "id"),
    "info": (Verb.HELP, None),
    "help": (Verb.HELP, "en"),
}
_FIRST_WORD = re.compile(r"\s*[#/!]?(?P<word>[^\W\d_]+)(?P<rest>.*)", re.DOTALL)
_SEPARATORS = " \t\r\n:.,;-"
# Words right after LAPOR that set the web form's two privacy options:
# "LAPOR ANONIM RAHASIA <complaint>". Taking one for a first word of the
# complaint errs on the private side only.
PRIVACY_WORDS = {
    "anonim": "anonymous",
    "anonymous": "anonymous",
    "rahasia": "confidential",
    "confidential": "confidential",
}


@dataclass(frozen=True)
class Command:
    verb: Verb | None  # None: free text
    argument: str
    locale: str | None


def parse_command(body: str) -> Command:
    """Split a message into its command word and argument (verb None for free text)."""
    match = _FIRST_WORD.match(body)
    if match is not None:
        known = COMMAND_WORDS.get(match["word"].lower())
        if known is not None:
            verb, locale = known
            return Command(verb, match["rest"].lstrip(_SEPARATORS).strip(), locale)
    return Command(None, body.strip(), None)


def privacy_choices(argument: str) -> tuple[str, frozenset[str]]:
    """A LAPOR argument without its leading privacy words, and the options they set."""
    choices: set[str] = set()
    rest = argument
    while (match := _FIRST_WORD.match(rest)) is not None:
        choice = PRIVACY_WORDS.get(match["word"].lower())
        if choice is None:
            break
        choices.add(choice)
        rest = match["rest"].lstrip(_SEPARATORS)
    return rest.strip(), frozenset(choices)


def code_in(argument: str) -> str | None:
    """The tracking code in a STATUS argument: all of it, or its first word."""
    return normalize_code(argument) or (
        normalize_code(argument.split()[0]) if argument.split() else None
    )
