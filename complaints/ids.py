"""Row ids typed by people or programs: parsed once, safely, for every interface."""

from __future__ import annotations

# The largest id an INTEGER column holds: a larger one cannot exist, and PostgreSQL would
# fail the whole query on it ("integer out of range").
MAX_ID = 2**31 - 1


def as_id(raw: str | None) -> int | None:
    """``raw`` as a row id (ASCII digits, within INTEGER), else None.

    Not ``str.isdigit`` alone: it accepts "²" and other digits ``int`` refuses.
    """
    if not raw or not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_ID)):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
