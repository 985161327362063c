"""The values of a LAPOR! export's cells, as Aduan stores them.

Each parser takes a cell as the reader gives it (text from a CSV; text,
number, date or time from a spreadsheet) and returns the value, or raises
:class:`RowProblem` with a message for the person importing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext

from complaints.models import Kind, Status

# LAPOR! records every instant in western Indonesian time.
LAPOR_ZONE = ZoneInfo("Asia/Jakarta")
MAX_LAPOR_ID = 64

# English and Indonesian month names and their usual abbreviations.
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "januari", "january"),
            ("feb", "peb", "februari", "pebruari", "february"),
            ("mar", "maret", "march"),
            ("apr", "april"),
            ("may", "mei"),
            ("jun", "juni", "june"),
            ("jul", "juli", "july"),
            ("aug", "agu", "agt", "ags", "agus", "agustus", "august"),
            ("sep", "sept", "september"),
            ("oct", "okt", "oktober", "october"),
            ("nov", "nop", "november", "nopember"),
            ("dec", "des", "desember", "december"),
        ),
        start=1,
    )
    for name in names
}
_NAMED_DATE = re.compile(r"^(\d{1,2})[\s./-]*([a-z]+)[\s.,/-]*(\d{4})\b(.*)$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b(.*)$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t\s](.*))?$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:[.,]\d+)?\s*(?:wib)?$")

KINDS = {
    "pengaduan": Kind.COMPLAINT.value,
    "aspirasi": Kind.ASPIRATION.value,
    "permintaan informasi": Kind.INFORMATION_REQUEST.value,
    "informasi": Kind.INFORMATION_REQUEST.value,
    **{kind.value.replace("_", " "): kind.value for kind in Kind},
}
_TRUE = {"ya", "yes", "y", "1", "true"}
_FALSE = {"tidak", "no", "n", "0", "false", ""}


class RowProblem(ValueError):
    """A cell that cannot be imported; the message is for the person importing."""


@dataclass(frozen=True)
class FinalStatus:
    """Where a LAPOR! report ended, as an Aduan status."""

    status: Status
    # "Ditutup oleh Pelapor": the citizen closed it themselves.
    citizen_confirmed: bool | None = None


def text(value: object) -> str:
    """A cell as trimmed text (numbers without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # A NUL byte (from a damaged export) is refused by PostgreSQL in any text.
    return str(value).replace("\x00", "").strip()


def _words(value: object) -> str:
    return " ".join(re.split(r"[\W_]+", text(value).casefold())).strip()


def lapor_id(value: object) -> str:
    found = text(value)
    if not found:
        raise RowProblem(gettext("The Tracking ID is empty."))
    if len(found) > MAX_LAPOR_ID:
        raise RowProblem(
            gettext("The Tracking ID is longer than %(count)d characters.", count=MAX_LAPOR_ID)
        )
    return found


def _day(year: int, month: int, day: int, raw: object) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise RowProblem(gettext("“%(value)s” is not a date.", value=text(raw)[:40])) from None


def received_date(value: object) -> tuple[date, time | None]:
    """The day a report came in, and its time when the cell holds one too.

    Accepts a spreadsheet date, "18 Jan 2024" (English or Indonesian months,
    full or short: "18 Agu 2024", "18 Desember 2024"), "18/01/2024" (day
    first) and ISO "2024-01-18", each optionally followed by a time.
    """
    if isinstance(value, datetime):
        moment = value.time()
        return value.date(), (moment if moment != time() else None)
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A number is a spreadsheet date serial (a CSV gives text); openpyxl is loaded by now.
        from openpyxl.utils.datetime import from_excel

        converted = from_excel(value)
        if isinstance(converted, datetime):
            return received_date(converted)
    raw = text(value).casefold()
    if not raw:
        raise RowProblem(gettext("The date the report came in is empty."))
    named = _NAMED_DATE.match(raw)
    if named and named.group(2) in MONTHS:
        day = _day(int(named.group(3)), MONTHS[named.group(2)], int(named.group(1)), value)
        return day, _optional_time(named.group(4))
    numeric = _NUMERIC_DATE.match(raw)
    if numeric:
        day = _day(int(numeric.group(3)), int(numeric.group(2)), int(numeric.group(1)), value)
        return day, _optional_time(numeric.group(4))
    iso = _ISO_DATE.match(raw)
    if iso:
        day = _day(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)), value)
        return day, _optional_time(iso.group(4) or "")
    raise RowProblem(gettext("“%(value)s” is not a date like 18 Jan 2024.", value=text(value)[:40]))


def _optional_time(rest: str) -> time | None:
    rest = rest.strip(" ,")
    return received_time(rest) if rest else None


def received_time(value: object) -> time | None:
    """The time of day: "14:05:33", "14.05", a spreadsheet time; None when empty."""
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    if isinstance(value, timedelta):
        return (datetime.min + value).time()
    if isinstance(value, float | int) and not isinstance(value, bool) and 0 <= value < 1:
        seconds = round(value * 86_400)
        return time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)
    raw = text(value).casefold()
    if not raw:
        return None
    found = _TIME.match(raw)
    if found is None or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise RowProblem(gettext("“%(value)s” is not a time like 14:05:33.", value=raw[:40]))
    return time(int(found.group(1)), int(found.group(2)), int(found.group(3) or 0))


def received_instant(date_value: object, time_value: object) -> datetime:
    """The instant a report came in to LAPOR! (western Indonesian time), in UTC."""
    day, clock_time = received_date(date_value)
    separate = received_time(time_value)
    moment = separate or clock_time or time()
    return datetime.combine(day, moment, tzinfo=LAPOR_ZONE).astimezone(UTC)


def kind(value: object) -> str | None:
    """Klasifikasi: "Pengaduan …" (any kind of pengaduan), "Aspirasi", "Permintaan Informasi"."""
    words = _words(value)
    if not words:
        return None
    if words in KINDS:
        return KINDS[words]
    for start, found in (
        ("pengaduan", Kind.COMPLAINT),
        ("aspirasi", Kind.ASPIRATION),
        ("permintaan informasi", Kind.INFORMATION_REQUEST),
    ):
        if words.startswith(start):
            return found.value
    raise RowProblem(
        gettext(
            "“%(value)s” is not a LAPOR! classification (Pengaduan, Aspirasi or Permintaan"
            " Informasi).",
            value=text(value)[:60],
        )
    )


def privacy(value: object) -> tuple[bool, bool]:
    """Tipe Laporan as (anonymous, confidential): "Anonim", "Rahasia", "Anonim|Rahasia", "Biasa"."""
    words = set(_words(value).split())
    return "anonim" in words or "anonymous" in words, bool(words & {"rahasia", "confidential"})


def flag(value: object) -> bool:
    """A yes/no cell of the older export (ya/tidak, yes/no, 1/0, true/false)."""
    raw = text(value).casefold()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise RowProblem(gettext("Use yes or no (ya/tidak)."))


# Read in this order: "Belum Terverifikasi" must not be taken for "Terverifikasi".
_STATUS_WORDS: tuple[tuple[tuple[str, ...], FinalStatus], ...] = (
    (("ditutup oleh pelapor",), FinalStatus(Status.CLOSED, citizen_confirmed=True)),
    (("ditutup", "tutup", "selesai", "closed"), FinalStatus(Status.CLOSED)),
    (("diarsipkan", "arsip", "archived"), FinalStatus(Status.REJECTED)),
    (
        ("belum", "menunggu", "ditunda", "tunda", "baru", "draft"),
        FinalStatus(Status.RECEIVED),
    ),
    (
        (
            "diproses",
            "proses",
            "sedang diproses",
            "dalam proses",
            "ditindaklanjuti",
            "tindak lanjut",
            "dalam penanganan",
        ),
        FinalStatus(Status.IN_PROGRESS),
    ),
    (
        ("terverifikasi", "diverifikasi", "terdisposisi", "didisposisikan", "diteruskan"),
        FinalStatus(Status.VERIFIED),
    ),
)


def final_status(value: object) -> FinalStatus:
    """Status Laporan as an Aduan status (see the README's LAPOR! section for the table)."""
    words = _words(value)
    if not words:
        return FinalStatus(Status.RECEIVED)
    for starts, found in _STATUS_WORDS:
        if any(words == start or words.startswith(start + " ") for start in starts):
            return found
    raise RowProblem(
        gettext("“%(value)s” is not a LAPOR! report status Aduan knows.", value=text(value)[:60])
    )
